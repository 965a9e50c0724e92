import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createTestApp, type TestApp, waitFor } from '../../helpers/app.js'
import { committedOffsets, uniqueName } from '../../helpers/kafka.js'

const manifest = (topic: string, group: string, route: string) => `app:
  clientId: vp-test
  brokers: \${KAFKA_BROKERS}
topics:
  ${topic}:
    partitions: 2
    key: customerId
    events:
      order_placed: { customerId: string, seq: integer }
consumerGroups:
  ${group}:
    topics:
      ${topic}: { handler: handlers/orders.ts, batch: { maxSize: 5 }, virtualPartitions: { by: customerId, max: 8 }${route} }
`

/**
 * Records what it finished (after a 30 ms wait, a stand-in for I/O) through ctx.logger, so
 * that the monitor's timeline holds, in order, both the work done and the commits. `poison`
 * (a customer and seq) fails on every attempt up to `failUntil`.
 */
const handler = (group: string, topic: string, failUntil: number) => `import { defineConsumer } from '../generated/karafka.js'
export default defineConsumer('${group}', '${topic}', async (messages, ctx) => {
  await new Promise((resolve) => setTimeout(resolve, 30))
  for (const m of messages) {
    if (m.event !== 'order_placed') continue
    if (m.payload.customerId === 'c3' && m.payload.seq === 4 && ctx.attempt <= ${failUntil}) throw new Error('poison')
    ctx.logger.info('done', { offset: m.offset, key: m.key, seq: m.payload.seq, attempt: ctx.attempt })
    ctx.markAsConsumed(m)
  }
})
`

interface Done {
  partition: number
  offset: string
  key: string
  seq: number
}

const doneOf = (app: TestApp): Done[] =>
  (app.events['consumer.log'] ?? [])
    .filter((l) => l.message === 'done')
    .map((l) => ({ partition: l.partition, ...(l.fields as { offset: string; key: string; seq: number }) }))

async function publish(app: TestApp, topic: string, customers: number, perCustomer: number): Promise<void> {
  const sends = []
  for (let seq = 0; seq < perCustomer; seq++)
    for (let c = 0; c < customers; c++) sends.push(app.generated.responders[topic].orderPlaced({ customerId: `c${c}`, seq }))
  await Promise.all(sends)
}

/** Every commit covers only offsets handled before it (the timeline is in emit order); returns the largest in-flight count of one partition. */
function checkTimeline(app: TestApp, topic: string, skipped: Set<string> = new Set()): number {
  const handled = new Map<number, Set<bigint>>()
  const inFlight = new Map<number, number>()
  let most = 0
  for (const [event, payload] of app.timeline) {
    if (!('topic' in payload) || payload.topic !== topic) continue
    if (event === 'consumer.consume') {
      inFlight.set(payload.partition, (inFlight.get(payload.partition) ?? 0) + 1)
      most = Math.max(most, inFlight.get(payload.partition)!)
    }
    if (event === 'consumer.consumed' || (event === 'error.occurred' && payload.type === 'consumer.consume.error'))
      inFlight.set(payload.partition as number, (inFlight.get(payload.partition as number) ?? 1) - 1)
    if (event === 'consumer.log' && payload.message === 'done') {
      const set = handled.get(payload.partition) ?? new Set()
      set.add(BigInt((payload.fields as { offset: string }).offset))
      handled.set(payload.partition, set)
    }
    if (event === 'offsets.committed') {
      const done = handled.get(payload.partition) ?? new Set()
      for (let o = 0n; o < BigInt(payload.offset); o++)
        assert.ok(
          done.has(o) || skipped.has(`${payload.partition}/${o}`),
          `commit ${payload.partition}@${payload.offset} ran ahead of offset ${o}, not handled yet`,
        )
    }
  }
  return most
}

function checkKeyOrder(done: Done[], customers: number, perCustomer: number, except?: { key: string; seq: number }): void {
  for (let c = 0; c < customers; c++) {
    const seqs = done.filter((d) => d.key === `c${c}`).map((d) => d.seq)
    const expected = Array.from({ length: perCustomer }, (_, i) => i).filter((s) => !(except?.key === `c${c}` && except.seq === s))
    assert.deepEqual(seqs, expected, `customer c${c}: each message once, in order`)
  }
}

describe('virtual partitions (real broker)', () => {
  const apps: TestApp[] = []
  after(() => Promise.all(apps.map((a) => a.remove())))

  it('runs the virtual partitions of a partition at once, keeps every key in order and commits only what is done below', async () => {
    const [topic, group] = [uniqueName('vp-orders'), uniqueName('vp')]
    const app = await createTestApp('vp-clean', manifest(topic, group, ''), { 'handlers/orders.ts': handler(group, topic, 0) })
    apps.push(app)
    await publish(app, topic, 24, 10)
    const server = await app.start()
    await waitFor('240 messages', () => doneOf(app).length >= 240)
    await server.stop()
    checkKeyOrder(doneOf(app), 24, 10)
    const most = checkTimeline(app, topic)
    assert.ok(most > 2, `handler calls of one partition ran at once (at most ${most})`)
    const consumes = app.events['consumer.consume']!.filter((c) => c.topic === topic)
    assert.ok(consumes.every((c) => typeof c.virtualPartition === 'number' && c.virtualPartition < 8 && c.messages <= 5))
    const committed = await committedOffsets(group, topic)
    const done = doneOf(app)
    for (const [partition, offset] of Object.entries(committed))
      assert.equal(
        offset,
        String(done.filter((d) => d.partition === Number(partition)).length),
        `partition ${partition} committed to its end`,
      )
  })

  it('retries a failed virtual partition collapsed, in offset order, then dead-letters the message; nothing else is handled twice', async () => {
    const [topic, group] = [uniqueName('vp-retry'), uniqueName('vp')]
    const app = await createTestApp(
      'vp-retry',
      manifest(topic, group, `, retry: { attempts: 2, backoffMs: 50, maxBackoffMs: 100 }, deadLetter: ${topic}.dlq`),
      { 'handlers/orders.ts': handler(group, topic, 99) },
    )
    apps.push(app)
    await publish(app, topic, 16, 8)
    const server = await app.start()
    await waitFor(
      '127 messages and a dead letter',
      () => doneOf(app).length >= 127 && (app.events['dead_letter_queue.dispatched'] ?? []).length === 1,
    )
    await new Promise((resolve) => setTimeout(resolve, 500))
    await server.stop()
    const [dead] = app.events['dead_letter_queue.dispatched']!
    assert.equal(dead!.attempts, 2)
    checkKeyOrder(doneOf(app), 16, 8, { key: 'c3', seq: 4 })
    checkTimeline(app, topic, new Set([`${dead!.partition}/${dead!.offset}`]))
    const retries = (app.events['consumer.consuming.retry'] ?? []).filter((r) => r.topic === topic)
    assert.deepEqual(
      retries.map((r) => r.offset),
      [dead!.offset],
      'one retry, at the poison message',
    )
    const retried = app.events['consumer.consume']!.filter((c) => c.topic === topic && c.attempt === 2)
    assert.ok(retried.length > 0 && retried.every((c) => c.virtualPartition === undefined), 'the retry ran collapsed, as one partition')
  })
})
