// The Lambda path through `karafka lambda serve`: invocations per 1,000 messages, and the
// invoker's time per invocation against a bare SDK Invoke loop on the same endpoint with the
// same payloads (both pay the local endpoint's child-process start; the difference is ours).
import { InvokeCommand } from '@aws-sdk/client-lambda'
import { randomBytes } from 'node:crypto'
import { buildFunctions, lambdaRoutes } from '../src/lambda/build.js'
import { startLambdaServer } from '../src/lambda/serve.js'
import { createLambdaClient } from '../src/invokers/lambda.js'
import { createTestApp } from '../test/helpers/app.js'

export interface LambdaFigure {
  messages: number
  batchMaxSize: number
  invocations: number
  invocationsPer1000: number
  pollerMsPerInvocation: number
  bareMsPerInvocation: number
  addedMsPerInvocation: number
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0

export async function benchLambda(messages = 1000): Promise<LambdaFigure> {
  const topic = `lbench-${randomBytes(3).toString('hex')}`
  const group = `lbench-${randomBytes(3).toString('hex')}`
  const app = await createTestApp('lambda-bench', `app:
  clientId: lambda-bench
  brokers: \${KAFKA_BROKERS}
lambda: { region: us-east-1, functionPrefix: bench-, timeout: 30 }
topics:
  ${topic}:
    partitions: 2
    key: id
    events:
      ping: { id: string, n: integer }
consumerGroups:
  ${group}:
    topics:
      ${topic}: { handler: handlers/ping.ts, backend: lambda, batch: { maxSize: 100 } }
`, { 'handlers/ping.ts': `import { defineConsumer } from '../generated/karafka.js'\nexport default defineConsumer('${group}', '${topic}', async () => {})\n` })
  await buildFunctions(app.manifest, lambdaRoutes(app.manifest))
  const serve = await startLambdaServer({ manifest: app.manifest, port: 0 })
  process.env.AWS_ENDPOINT_URL_LAMBDA = serve.url
  await Promise.all(Array.from({ length: messages }, (_, n) => app.generated.responders[topic].ping({ id: `k${n % 50}`, n })))
  const payloads: Buffer[] = []
  const durations: number[] = []
  let handled = 0
  const server = await app.start()
  server.monitor.subscribe('lambda.invoked', (e) => void durations.push(e.durationMs))
  server.monitor.subscribe('consumer.consumed', (b) => void (handled += b.messages))
  while (handled < messages) await new Promise((resolve) => setTimeout(resolve, 20))
  await server.stop()
  // The same payloads, invoked by a bare SDK loop on the same endpoint.
  const client = createLambdaClient(app.manifest, { localCredentials: true })
  const functionName = app.manifest.routes[0]!.functionName!
  const sample = { eventSource: 'SelfManagedKafka', records: { [`${topic}-0`]: [] as unknown[] }, karafka: { partial: true } }
  for (let i = 0; i < 100; i++) sample.records[`${topic}-0`]!.push({ topic, partition: 0, offset: i, timestamp: Date.now(), timestampType: 'CREATE_TIME', key: Buffer.from('k').toString('base64'), value: Buffer.from(JSON.stringify({ event_name: 'ping', payload: { id: 'k', n: i } })).toString('base64'), headers: [] })
  payloads.push(Buffer.from(JSON.stringify(sample)))
  const bare: number[] = []
  for (let i = 0; i < durations.length; i++) {
    const started = performance.now()
    await client.send(new InvokeCommand({ FunctionName: functionName, Qualifier: 'live', Payload: payloads[0] }))
    bare.push(performance.now() - started)
  }
  await serve.close()
  await app.remove()
  const invocations = durations.length
  return {
    messages,
    batchMaxSize: 100,
    invocations,
    invocationsPer1000: Math.round((invocations / messages) * 1000),
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
