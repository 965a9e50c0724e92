// What observability costs the poller: the same empty-handler run on one pre-produced topic,
// in turn without anything, with the metrics endpoint alone, and with the metrics endpoint plus
// an OpenTelemetry tracing SDK registered (BatchSpanProcessor, AsyncLocalStorage context, W3C
// propagation, an exporter that drops what it gets), each from the start with a fresh group in a
// process of its own, the order rotated from round to round; medians of the rounds.
import { inRotation, median } from './data.js'
import { emptyHandlerApp, pollerRun } from './throughput.js'

export interface ObservabilityFigure {
  messages: number
  rounds: number
  plainMsgPerSec: number
  /** The metrics endpoint alone (absent in results written before it was measured apart). */
  metricsMsgPerSec?: number
  metricsRatio?: number
  observedMsgPerSec: number
  spans: number
  /** observed / plain */
  ratio: number
  /** Every round's figure, msg/s (absent in results written before they were kept). */
  samples?: { plain: number[]; metrics: number[]; observed: number[] }
}

export async function benchObservability(
  count: number,
  produce: (topic: string, count: number) => Promise<number>,
  rounds = 3,
): Promise<ObservabilityFigure> {
  const { app, topic, groups } = await emptyHandlerApp('obs-bench', rounds * 3)
  let spans = 0
  try {
    await produce(topic, count)
    const plain: number[] = []
    const metrics: number[] = []
    const observed: number[] = []
    for (let round = 0; round < rounds; round++) {
      await inRotation(
        [
          async () => plain.push((await pollerRun(app, groups[round * 3]!, count, { reporting: false })).rate),
          async () => metrics.push((await pollerRun(app, groups[round * 3 + 2]!, count, { metricsPort: 0, reporting: false })).rate),
          async () => {
            const run = await pollerRun(app, groups[round * 3 + 1]!, count, { metricsPort: 0, reporting: false }, true)
            observed.push(run.rate)
            spans += run.spans
          },
        ],
        round,
      )
    }
    const [plainRate, metricsRate, observedRate] = [median(plain), median(metrics), median(observed)]
    return {
      messages: count,
      rounds,
      plainMsgPerSec: plainRate,
      metricsMsgPerSec: metricsRate,
      metricsRatio: Number((metricsRate / plainRate).toFixed(2)),
      observedMsgPerSec: observedRate,
      spans,
      ratio: Number((observedRate / plainRate).toFixed(2)),
      samples: { plain, metrics, observed },
    }
  } finally {
    await app.remove()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { benchBroker } = await import('./broker.js')
  const { produceTicks } = await import('./data.js')
  const broker = await benchBroker()
  console.log(
    JSON.stringify(await benchObservability(Number(process.argv[2] ?? 200_000), produceTicks, Number(process.argv[3] ?? 3)), null, 2),
  )
  await broker.stop()
  process.exit(0)
}
