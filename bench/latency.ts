// End-to-end latency, produce to handler: the typed responders send at a steady rate, the
// poller hands the messages to a local handler in the same process, which records
// performance.now() minus the sentAt the message carries. Beside it, the same rate through
// bare kafkajs: producer.send with one send in flight, as the responders do (same producer
// settings), and an eachBatch consumer recording the same way. The first second is warm-up.
import { setTimeout as sleep } from 'node:timers/promises'
import { Partitioners } from 'kafkajs'
import { createTestApp } from '../test/helpers/app.js'
import { uniqueName } from '../test/helpers/kafka.js'
import { benchKafka } from './data.js'

export interface Percentiles {
  measured: number
  p50Ms: number
  p95Ms: number
  p99Ms: number
  maxMs: number
}

export interface LatencyFigure {
  ratePerSec: number
  seconds: number
  karafka: Percentiles
  bare: Percentiles
}

declare global {
  var karafkaBenchLatencies: number[]
}

const percentile = (sorted: number[], p: number) =>
  Number((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0).toFixed(2))

/** Percentiles of (seq, latency) pairs, leaving out the warm-up's sequence numbers. */
function percentiles(pairs: number[], warmUp: number): Percentiles {
  const latencies: number[] = []
  for (let i = 0; i < pairs.length; i += 2) if (pairs[i]! >= warmUp) latencies.push(pairs[i + 1]!)
  latencies.sort((a, b) => a - b)
  return {
    measured: latencies.length,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    p99Ms: percentile(latencies, 99),
    maxMs: percentile(latencies, 100),
  }
}

/** Calls `send(first, count)` every 2 ms with what came due at `ratePerSec`, `total` in all. */
async function pace(ratePerSec: number, total: number, send: (first: number, count: number) => void): Promise<void> {
  let sent = 0
  const began = performance.now()
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - began) / 1000) * ratePerSec))
    if (due > sent) send(sent, due - sent)
    sent = due
    await sleep(2)
  }
}

async function waitFor(pairs: number[], total: number): Promise<void> {
  const deadline = Date.now() + 30_000
  while (pairs.length / 2 < total && Date.now() < deadline) await sleep(20)
  if (pairs.length / 2 < total) throw new Error(`only ${pairs.length / 2} of ${total} messages arrived`)
}

/** The same rate through bare kafkajs. */
async function bareLatency(topic: string, ratePerSec: number, total: number): Promise<number[]> {
  const kafka = benchKafka()
  const pairs: number[] = []
  const consumer = kafka.consumer({ groupId: uniqueName('bare'), maxWaitTimeInMs: 50 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: false })
  let assigned = false
  consumer.on(consumer.events.GROUP_JOIN, () => (assigned = true))
  await consumer.run({
    partitionsConsumedConcurrently: 6,
    eachBatch: async ({ batch }) => {
      const now = performance.now()
      for (const message of batch.messages) {
        const { payload } = JSON.parse(message.value!.toString('utf8'))
        pairs.push(payload.seq, now - payload.sentAt)
      }
    },
  })
  while (!assigned) await sleep(20)
  await sleep(500) // the fetch position is set after the join
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  // Like the responders' sender: one send in flight, what comes due meanwhile goes in the next.
  let failed: unknown
  let queue: { key: string; value: string; headers: Record<string, string> }[] = []
  let draining = false
  const drain = async () => {
    while (queue.length > 0) {
      const messages = queue
      queue = []
      await producer.send({ topic, acks: -1, messages }).catch((error: unknown) => {
        failed = error
      })
    }
    draining = false
  }
  await pace(ratePerSec, total, (first, count) => {
    for (let seq = first; seq < first + count; seq++) {
      queue.push({
        key: `k${seq % 1000}`,
        value: JSON.stringify({ event_name: 'ping', payload: { id: `k${seq % 1000}`, seq, sentAt: performance.now() } }),
        headers: { event_name: 'ping' },
      })
    }
    if (!draining) {
      draining = true
      void drain()
    }
  })
  await waitFor(pairs, total)
  if (failed) throw failed
  await producer.disconnect()
  await consumer.disconnect()
  return pairs
}

export async function benchLatency(ratePerSec: number, seconds: number): Promise<LatencyFigure> {
  const topic = uniqueName('latency')
  const group = uniqueName('latency')
  const app = await createTestApp(
    'latency-bench',
    `app:
  clientId: latency-bench
  brokers: \${KAFKA_BROKERS}
topics:
  ${topic}:
    partitions: 6
    key: id
    events:
      ping: { id: string, seq: integer, sentAt: number }
  ${topic}-bare:
    partitions: 6
    key: id
    events:
      bare_ping: { id: string, seq: integer, sentAt: number }
consumerGroups:
  ${group}:
    topics:
      ${topic}: { handler: handlers/record.ts }
`,
    {
      'handlers/record.ts': `import { defineConsumer } from '../generated/karafka.js'
export default defineConsumer('${group}', '${topic}', async (messages) => {
  const now = performance.now()
  for (const m of messages) if (m.event === 'ping') globalThis.karafkaBenchLatencies.push(m.payload.seq, now - m.payload.sentAt)
})
`,
    },
  )
  globalThis.karafkaBenchLatencies = []
  const warmUp = ratePerSec // the first second's messages
  const total = ratePerSec * seconds
  try {
    await app.start()
    while (!app.events['rebalance.partitions_assigned']) await sleep(20)
    const responder = app.generated.responders[topic]
    let failed: unknown
    await pace(ratePerSec, total, (first, count) => {
      for (let seq = first; seq < first + count; seq++)
        responder.ping({ id: `k${seq % 1000}`, seq, sentAt: performance.now() }).catch((error: unknown) => (failed = error))
    })
    await waitFor(globalThis.karafkaBenchLatencies, total)
    if (failed) throw failed
    const karafka = percentiles(globalThis.karafkaBenchLatencies, warmUp)
    const bare = percentiles(await bareLatency(`${topic}-bare`, ratePerSec, total), warmUp)
    return { ratePerSec, seconds, karafka, bare }
  } finally {
    await app.remove()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { benchBroker } = await import('./broker.js')
  const broker = await benchBroker()
  for (const rate of [1_000, 10_000]) console.log(JSON.stringify(await benchLatency(rate, Number(process.argv[2] ?? 5))))
  await broker.stop()
  process.exit(0)
}
