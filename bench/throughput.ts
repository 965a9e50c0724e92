// Poller throughput with an empty local handler against a bare kafkajs eachBatch consumer that
// does nothing, on the same pre-produced topic, both reading from the start with fresh groups.
import { randomBytes } from 'node:crypto'
import { Kafka, logLevel } from 'kafkajs'
import { createTestApp } from '../test/helpers/app.js'

export interface ThroughputFigure {
  messages: number
  partitions: number
  valueBytes: number
  bareMsgPerSec: number
  pollerMsgPerSec: number
  ratio: number
  pollerBatches: number
}

const kafka = () => new Kafka({ clientId: 'bench', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING })

async function produce(topic: string, count: number): Promise<number> {
  const producer = kafka().producer()
  await producer.connect()
  const payload = (i: number) => JSON.stringify({ event_name: 'tick', payload: { id: `k${i % 1000}`, seq: i, pad: randomBytes(60).toString('hex') } })
  const valueBytes = payload(0).length
  const chunk = 5_000
  for (let i = 0; i < count; i += chunk) {
    const messages = Array.from({ length: Math.min(chunk, count - i) }, (_, j) => ({ key: `k${(i + j) % 1000}`, value: payload(i + j) }))
    await producer.send({ topic, messages })
  }
  await producer.disconnect()
  return valueBytes
}

async function bare(topic: string, count: number): Promise<number> {
  const consumer = kafka().consumer({ groupId: `bare-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 50 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  let seen = 0
  let started = 0
  const elapsed = await new Promise<number>((resolve, reject) => {
    consumer.run({
      partitionsConsumedConcurrently: 6,
      eachBatch: async ({ batch }) => {
        if (started === 0) started = performance.now()
        seen += batch.messages.length
        if (seen >= count) resolve(performance.now() - started)
      },
    }).catch(reject)
  })
  await consumer.disconnect()
  return (count / elapsed) * 1000
}

export async function benchThroughput(count: number): Promise<ThroughputFigure> {
  const topic = `bench-${randomBytes(4).toString('hex')}`
  const group = `poller-${randomBytes(4).toString('hex')}`
  const app = await createTestApp('bench', `app:
  clientId: bench
  brokers: \${KAFKA_BROKERS}
topics:
  ${topic}:
    partitions: 6
    key: id
    events:
      tick: { id: string, seq: integer, pad: string }
consumerGroups:
  ${group}:
    topics:
      ${topic}: { handler: handlers/empty.ts, batch: { maxSize: ${Number(process.env.BENCH_MAX_SIZE ?? 100)} } }
`, { 'handlers/empty.ts': `import { defineConsumer } from '../generated/karafka.js'\nexport default defineConsumer('${group}', '${topic}', async () => {})\n` })
  const valueBytes = await produce(topic, count)
  const bareRate = await bare(topic, count)
  let seen = 0
  let started = 0
  let finished = 0
  let batches = 0
  const server = await app.start()
  server.monitor.subscribe('consumer.consume', () => void (started ||= performance.now()))
  server.monitor.subscribe('consumer.consumed', (b) => {
    seen += b.messages
    batches++
    if (seen >= count && !finished) finished = performance.now()
  })
  while (!finished) await new Promise((resolve) => setTimeout(resolve, 20))
  await app.remove()
  const pollerRate = (count / (finished - started)) * 1000
  return { messages: count, partitions: 6, valueBytes, bareMsgPerSec: Math.round(bareRate), pollerMsgPerSec: Math.round(pollerRate), ratio: Number((pollerRate / bareRate).toFixed(2)), pollerBatches: batches }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { benchBroker } = await import('./broker.js')
  const broker = await benchBroker()
  const count = Number(process.argv[2] ?? 100_000)
  const figure = await benchThroughput(count)
  console.log(JSON.stringify(figure, null, 2))
  await broker.stop()
  process.exit(0)
}
