// Key-level parallelism: the same route with and without virtual partitions, in one run on one
// topic (pre-produced ticks, many keys), each side from the start with a fresh group.
// - local: a handler that waits 20 ms per call (a stand-in for I/O), 6 partitions;
// - lambda: the same through `karafka lambda serve` (its warm workers, max of them started before
//   the clock, as a function that has been serving), 1 partition: invocations in flight and messages/s.
import { InvokeCommand } from '@aws-sdk/client-lambda'
import { createLambdaClient } from '../src/invokers/lambda.js'
import { buildFunctions, lambdaRoutes } from '../src/lambda/build.js'
import { startLambdaServer } from '../src/lambda/serve.js'
import { createTestApp, type TestApp } from '../test/helpers/app.js'
import { uniqueName } from '../test/helpers/kafka.js'
import { rate, tickTopicYaml } from './data.js'

export interface VirtualPartitionsSide {
  msgPerSec: number
  /** Handler calls (or invocations) of one partition running at once, at most. */
  mostInFlightPerPartition: number
  calls: number
}

/** What a run measures: the same route on the same topic, with these settings. */
export interface VirtualPartitionsSetup {
  backend: 'local' | 'lambda'
  messages: number
  partitions: number
  batchMaxSize: number
  handlerWaitMs: number
  max: number
}

export interface VirtualPartitionsFigure extends VirtualPartitionsSetup {
  without: VirtualPartitionsSide
  /** virtualPartitions: { max } (distribution balanced, the default) */
  with: VirtualPartitionsSide
  /** virtualPartitions: { max, distribution: consistent } */
  consistent: VirtualPartitionsSide
  /** with / without */
  ratio: number
  /** consistent / without */
  consistentRatio: number
}

const handler = (group: string, topic: string, waitMs: number) =>
  `import { defineConsumer } from '../generated/karafka.js'
export default defineConsumer('${group}', '${topic}', async () => {
  await new Promise((resolve) => setTimeout(resolve, ${waitMs}))
})
`

/**
 * One topic of `messages` ticks (keys k0..k999) and three groups on it, one route each: the same
 * route without virtual partitions, with `virtualPartitions: { max }` (balanced), and with
 * `distribution: consistent`. `produce` fills the topic.
 */
export async function benchVirtualPartitions(
  options: VirtualPartitionsSetup & { produce: (topic: string, count: number) => Promise<number> },
): Promise<VirtualPartitionsFigure> {
  const { backend, messages, partitions, batchMaxSize, handlerWaitMs, max } = options
  const topic = uniqueName('vpbench')
  const [plain, virtual, consistent] = [uniqueName('vp-without'), uniqueName('vp-with'), uniqueName('vp-consistent')]
  const lambda = backend === 'lambda' ? ', backend: lambda' : ''
  const route = (name: string, extra: string) =>
    `  ${name}:\n    topics:\n      ${topic}: { handler: handlers/${name}.ts, batch: { maxSize: ${batchMaxSize}, maxWaitMs: 20 }${lambda}${extra} }\n`
  const app = await createTestApp(
    `vp-bench-${backend}`,
    `app:
  clientId: vp-bench
  brokers: \${KAFKA_BROKERS}
${backend === 'lambda' ? 'lambda: { region: us-east-1, functionPrefix: vpb-, timeout: 30 }\n' : ''}topics:
${tickTopicYaml(topic).replace('partitions: 6', `partitions: ${partitions}`)}consumerGroups:
${route(plain, '')}${route(virtual, `, virtualPartitions: { max: ${max} }`)}${route(consistent, `, virtualPartitions: { max: ${max}, distribution: consistent }`)}`,
    {
      [`handlers/${plain}.ts`]: handler(plain, topic, handlerWaitMs),
      [`handlers/${virtual}.ts`]: handler(virtual, topic, handlerWaitMs),
      [`handlers/${consistent}.ts`]: handler(consistent, topic, handlerWaitMs),
    },
  )
  let serve: Awaited<ReturnType<typeof startLambdaServer>> | undefined
  try {
    if (backend === 'lambda') {
      await buildFunctions(app.manifest, lambdaRoutes(app.manifest))
      serve = await startLambdaServer({ manifest: app.manifest, port: 0 })
      process.env.AWS_ENDPOINT_URL_LAMBDA = serve.url
      await warmUp(app, max)
    }
    await options.produce(topic, messages)
    const without = await drain(app, plain, messages)
    const withVirtual = await drain(app, virtual, messages)
    const withConsistent = await drain(app, consistent, messages)
    return {
      backend,
      messages,
      partitions,
      batchMaxSize,
      handlerWaitMs,
      max,
      without,
      with: withVirtual,
      consistent: withConsistent,
      ratio: Number((withVirtual.msgPerSec / without.msgPerSec).toFixed(2)),
      consistentRatio: Number((withConsistent.msgPerSec / without.msgPerSec).toFixed(2)),
    }
  } finally {
    await serve?.close()
    delete process.env.AWS_ENDPOINT_URL_LAMBDA
    await app.remove()
  }
}

/**
 * Starts `count` warm workers of every function at once (an invocation with no records each),
 * as a function that has been serving runs on AWS: the rows compare fan-out, not cold starts.
 */
async function warmUp(app: TestApp, count: number): Promise<void> {
  const client = createLambdaClient(app.manifest, { localCredentials: true })
  const payload = Buffer.from(
    JSON.stringify({ eventSource: 'SelfManagedKafka', bootstrapServers: '', records: {}, karafka: { partial: true } }),
  )
  await Promise.all(
    app.manifest.routes.flatMap((route) =>
      Array.from({ length: count }, () =>
        client.send(new InvokeCommand({ FunctionName: route.functionName!, Qualifier: app.manifest.lambda!.alias, Payload: payload })),
      ),
    ),
  )
}

/** One group from the start of the topic until it has handled `count` messages; the clock starts at its first call. */
async function drain(app: TestApp, group: string, count: number): Promise<VirtualPartitionsSide> {
  let [seen, started, finished, calls, most] = [0, 0, 0, 0, 0]
  const inFlight = new Map<number, number>()
  const server = await app.start({ groups: [group] })
  server.monitor.subscribe('consumer.consume', (b) => {
    started ||= performance.now()
    calls++
    inFlight.set(b.partition, (inFlight.get(b.partition) ?? 0) + 1)
    most = Math.max(most, inFlight.get(b.partition)!)
  })
  server.monitor.subscribe('consumer.consumed', (b) => {
    inFlight.set(b.partition, inFlight.get(b.partition)! - 1)
    seen += b.messages
    if (seen >= count && !finished) finished = performance.now()
  })
  while (!finished) await new Promise((resolve) => setTimeout(resolve, 20))
  await server.stop()
  return { msgPerSec: rate(count, finished - started), mostInFlightPerPartition: most, calls }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { benchBroker } = await import('./broker.js')
  const { produceTicks } = await import('./data.js')
  const broker = await benchBroker()
  const backend = (process.argv[2] ?? 'local') as 'local' | 'lambda'
  const figure = await benchVirtualPartitions({
    backend,
    messages: Number(process.argv[3] ?? 6000),
    partitions: backend === 'local' ? 6 : 1,
    batchMaxSize: Number(process.env.BENCH_MAX_SIZE ?? (backend === 'local' ? 10 : 25)),
    handlerWaitMs: 20,
    max: 8,
    produce: produceTicks,
  })
  console.log(JSON.stringify(figure, null, 2))
  await broker.stop()
  process.exit(0)
}
