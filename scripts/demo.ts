// `npm run demo`: the example app end to end on a real broker. Starts the dev broker (unless
// KAFKA_BROKERS names one or a broker already answers), migrates the topics, builds and
// serves the orders route's Lambda function locally, starts the poller, publishes the seed's
// events through the typed responders, shows the handlers' log lines, then shuts everything
// down and exits 0.
import path from 'node:path'
import { answersMetadata, brokerHome, startBroker, stopBroker } from '../src/broker/index.js'
import { attachLogger, logLevelFromEnv } from '../src/instrumentation/logger-listener.js'
import { Monitor } from '../src/instrumentation/monitor.js'
import { createKafka } from '../src/kafka/client.js'
import { buildFunctions, lambdaRoutes } from '../src/lambda/build.js'
import { startLambdaServer } from '../src/lambda/serve.js'
import { loadManifest } from '../src/manifest/index.js'
import { startServer } from '../src/server/server.js'
import { applyPlan, planMigration } from '../src/topics/migrate.js'
import { describeStep } from '../src/topics/plan.js'

const began = performance.now()
const say = (text: string) => process.stdout.write(`\n== ${text}\n`)
const home = brokerHome(path.resolve('.'))
let startedBroker = false
if (!process.env.KAFKA_BROKERS && !(await answersMetadata('127.0.0.1:9092'))) {
  say('starting the dev broker (Apache Kafka, KRaft, one node)')
  const broker = await startBroker({ home, onProgress: (text) => process.stdout.write(`   ${text}\n`) })
  startedBroker = !broker.alreadyRunning
  process.stdout.write(`   ready at 127.0.0.1:${broker.port} in ${(broker.startMs / 1000).toFixed(1)} s\n`)
}

const manifest = loadManifest('karafka.yml')
// karafka topics migrate: make the cluster match the manifest.
const admin = createKafka(manifest.app, '-admin')
const plan = await planMigration(admin, manifest)
if (plan.refusals.length > 0) throw new Error(plan.refusals.map((r) => `${r.topic}: ${r.reason}`).join('\n'))
say(
  `topics migrate: ${plan.steps.length ? plan.steps.map((s) => describeStep(s).join(' ')).join('; ') : 'the cluster matches the manifest'}`,
)
await applyPlan(admin, plan)

// The invoicing consumer of orders is a lambda route: bundle it (karafka build) and serve it
// locally (karafka lambda serve), then point the poller's Lambda client there.
say('building the Lambda function of the orders route and serving it locally (karafka build, karafka lambda serve)')
// The welcome-mail route is AWS's to poll (poller: aws): karafka server leaves it alone, so it is not served here.
const built = await buildFunctions(
  manifest,
  lambdaRoutes(manifest).filter((route) => route.poller !== 'aws'),
)
for (const fn of built) process.stdout.write(`   ${fn.functionName}: ${fn.zip.replace(`${manifest.root}/`, '')} (${fn.bytes} bytes)\n`)
const lambda = await startLambdaServer({
  manifest,
  port: 0,
  onLogs: (name, lines) => {
    for (const line of lines) process.stdout.write(`   [lambda ${name}] ${line}\n`)
  },
})
process.env.AWS_ENDPOINT_URL_LAMBDA = lambda.url
process.stdout.write(`   Invoke API at ${lambda.url}\n`)

const monitor = new Monitor()
attachLogger(monitor, { format: 'text', level: logLevelFromEnv(), secrets: manifest.secrets })
const handled: Record<string, number> = {}
monitor.subscribe('consumer.consumed', (batch) => (handled[batch.topic] = (handled[batch.topic] ?? 0) + batch.messages))
say('starting the poller (karafka server)')
const server = await startServer({ manifest, monitor })

// The generated, typed responders: the seed's UsersResponder, and an order flow keyed by customer.
const { responders, closeResponders } = await import('../generated/karafka.js')
say('publishing events through the typed responders')
const sent = await Promise.all([
  responders.users.userCreated({ id: 1, email: 'user@example.com', name: 'Jane' }),
  responders.users.userCreated({ id: 2, email: 'john@example.com' }),
  responders.users.userDeleted({ id: 2 }),
  responders.users.tombstone(2),
  responders.orders.orderCompleted({ orderId: 'o-100', customerId: 'c-1', total: 42.5, items: [{ sku: 'book', qty: 2 }] }),
  responders.orders.customerShippingAddressUpdated({ customerId: 'c-1', address: { street: '1 Main St', city: 'Springfield' } }),
  responders.orders.orderCompleted({ orderId: 'o-101', customerId: 'c-2', total: 10, items: [{ sku: 'pen', qty: 5 }] }),
])
for (const d of sent) process.stdout.write(`   -> ${d.topic}/${d.partition}@${d.offset}\n`)

// 4 users events; 3 orders events plus the 2 invoices the invoicing handler publishes.
const expected = { users: 4, orders: 5 }
const deadline = Date.now() + 60_000
while ((handled.users ?? 0) < expected.users || (handled.orders ?? 0) < expected.orders) {
  if (Date.now() > deadline) throw new Error(`the handlers did not see every event within 60 s: ${JSON.stringify(handled)}`)
  await new Promise((resolve) => setTimeout(resolve, 50))
}

say('shutting down')
await server.stop('demo done')
await lambda.close()
await closeResponders()
if (startedBroker) await stopBroker(home)
say(
  `done in ${((performance.now() - began) / 1000).toFixed(1)} s: ${handled.users} users messages handled in process, ${handled.orders} orders messages through ${[...lambda.invocations.values()].reduce((a, b) => a + b, 0)} Lambda invocations`,
)
process.exit(0)
