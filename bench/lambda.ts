// The Lambda path through `karafka lambda serve`: messages per invocation, and the invoker's
// time per invocation against a bare SDK Invoke loop on the same endpoint with payloads of the
// same records and sizes (one partition, so neither waits for the other's invocations; both pay
// the local endpoint's runtime; the difference is ours).
import { InvokeCommand } from '@aws-sdk/client-lambda'
import type { RawRecord } from '../src/consumer/decode.js'
import { createLambdaClient } from '../src/invokers/lambda.js'
import { buildFunctions, lambdaRoutes } from '../src/lambda/build.js'
import { toAwsRecord } from '../src/lambda/event.js'
import { startLambdaServer } from '../src/lambda/serve.js'
import { createTestApp } from '../test/helpers/app.js'
import { uniqueName } from '../test/helpers/kafka.js'
import { benchKafka, median } from './data.js'

export interface LambdaFigure {
  messages: number
  batchMaxSize: number
  invocations: number
  messagesPerInvocation: number
  pollerMsPerInvocation: number
  bareMsPerInvocation: number
  addedMsPerInvocation: number
}

/** The topic's records as the poller reads them, in offset order. */
async function readAll(topic: string, count: number): Promise<RawRecord[]> {
  const consumer = benchKafka().consumer({ groupId: uniqueName('lbench-read') })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const records: RawRecord[] = []
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ message, partition }) => {
          records.push({
            topic,
            partition,
            offset: message.offset,
            key: message.key,
            value: message.value,
            timestamp: message.timestamp,
            headers: message.headers ?? {},
          })
          if (records.length >= count) resolve()
        },
      })
      .catch(reject)
  })
  await consumer.disconnect()
  return records
}

export async function benchLambda(messages = 1000): Promise<LambdaFigure> {
  const topic = uniqueName('lbench')
  const group = uniqueName('lbench')
  const app = await createTestApp(
    'lambda-bench',
    `app:
  clientId: lambda-bench
  brokers: \${KAFKA_BROKERS}
lambda: { region: us-east-1, functionPrefix: bench-, timeout: 30 }
topics:
  ${topic}:
    partitions: 1
    key: id
    events:
      ping: { id: string, n: integer }
consumerGroups:
  ${group}:
    topics:
      ${topic}: { handler: handlers/ping.ts, backend: lambda, batch: { maxSize: 100 } }
`,
    {
      'handlers/ping.ts': `import { defineConsumer } from '../generated/karafka.js'\nexport default defineConsumer('${group}', '${topic}', async () => {})\n`,
    },
  )
  await buildFunctions(app.manifest, lambdaRoutes(app.manifest))
  const serve = await startLambdaServer({ manifest: app.manifest, port: 0 })
  process.env.AWS_ENDPOINT_URL_LAMBDA = serve.url
  await Promise.all(Array.from({ length: messages }, (_, n) => app.generated.responders[topic].ping({ id: `k${n % 50}`, n })))
  const durations: number[] = []
  const sizes: number[] = []
  let handled = 0
  const server = await app.start()
  server.monitor.subscribe('lambda.invoke', (e) => void sizes.push(e.messages))
  server.monitor.subscribe('lambda.invoked', (e) => void durations.push(e.durationMs))
  server.monitor.subscribe('consumer.consumed', (b) => {
    handled += b.messages
  })
  while (handled < messages) await new Promise((resolve) => setTimeout(resolve, 20))
  await server.stop()
  // The same records, in invocations of the same sizes, by a bare SDK loop on the same endpoint.
  const client = createLambdaClient(app.manifest, { localCredentials: true })
  const functionName = app.manifest.routes[0]!.functionName!
  const records = await readAll(topic, messages)
  const bare: number[] = []
  let offset = 0
  for (const size of sizes) {
    const chunk = records.slice(offset, offset + size).map((record) => toAwsRecord(record))
    offset += size
    const payload = Buffer.from(
      JSON.stringify({
        eventSource: 'SelfManagedKafka',
        bootstrapServers: process.env.KAFKA_BROKERS,
        records: { [`${topic}-0`]: chunk },
        karafka: { partial: true, attempt: 1, group },
      }),
    )
    const started = performance.now()
    const response = await client.send(
      new InvokeCommand({ FunctionName: functionName, Qualifier: 'live', InvocationType: 'RequestResponse', Payload: payload }),
    )
    bare.push(performance.now() - started)
    if (response.FunctionError) throw new Error(`bare invoke failed: ${Buffer.from(response.Payload ?? []).toString()}`)
  }
  await serve.close()
  await app.remove()
  const invocations = durations.length
  return {
    messages,
    batchMaxSize: 100,
    invocations,
    messagesPerInvocation: Math.round(messages / invocations),
    pollerMsPerInvocation: median(durations),
    bareMsPerInvocation: Math.round(median(bare)),
    addedMsPerInvocation: Math.round(median(durations) - median(bare)),
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { benchBroker } = await import('./broker.js')
  const broker = await benchBroker()
  console.log(JSON.stringify(await benchLambda(Number(process.argv[2] ?? 1000)), null, 2))
  await broker.stop()
  process.exit(0)
}
