// What reporting for karafka web costs the poller: the same empty-handler run on one
// pre-produced topic with web.reporting off and on (the default: its own producer, a report at
// start, on each change and every web.reportIntervalMs, an error record per failure), which of
// them goes first alternating by round, each from the start with a fresh group in a process of
// its own; medians of the rounds.
import { inRotation, median } from './data.js'
import { emptyHandlerApp, pollerRun } from './throughput.js'

export interface ReportingFigure {
  messages: number
  rounds: number
  reportIntervalMs: number
  offMsgPerSec: number
  onMsgPerSec: number
  /** on / off */
  ratio: number
  /** Every round's figure, msg/s (absent in results written before they were kept). */
  samples?: { off: number[]; on: number[] }
}

export async function benchReporting(
  count: number,
  produce: (topic: string, count: number) => Promise<number>,
  rounds = 3,
): Promise<ReportingFigure> {
  // Reports every second (the shortest interval allowed), so that even a short run sends several.
  const reportIntervalMs = 1_000
  const { app, topic, groups } = await emptyHandlerApp('reporting-bench', rounds * 2, {
    app: `web: { reportIntervalMs: ${reportIntervalMs} }\n`,
  })
  try {
    await produce(topic, count)
    const off: number[] = []
    const on: number[] = []
    for (let round = 0; round < rounds; round++) {
      const runOff = async () => off.push((await pollerRun(app, groups[round * 2]!, count, { reporting: false })).rate)
      const runOn = async () => on.push((await pollerRun(app, groups[round * 2 + 1]!, count, { reporting: true })).rate)
      await inRotation([runOff, runOn], round)
    }
    const [offRate, onRate] = [median(off), median(on)]
    return {
      messages: count,
      rounds,
      reportIntervalMs,
      offMsgPerSec: offRate,
      onMsgPerSec: onRate,
      ratio: Number((onRate / offRate).toFixed(2)),
      samples: { off, on },
    }
  } finally {
    await app.remove()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { benchBroker } = await import('./broker.js')
  const { produceTicks } = await import('./data.js')
  const broker = await benchBroker()
  console.log(JSON.stringify(await benchReporting(Number(process.argv[2] ?? 200_000), produceTicks, Number(process.argv[3] ?? 3)), null, 2))
  await broker.stop()
  process.exit(0)
}
