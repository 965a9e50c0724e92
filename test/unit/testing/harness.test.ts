import assert from 'node:assert/strict'
import path from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createTestHarness } from 'karafka-ts/testing'
import { runCodegen } from '../../../generator/main.js'
import { KarafkaError } from '../../../src/errors/index.js'
import { tempProject } from '../../helpers/project.js'

const manifest = fileURLToPath(new URL('../../../karafka.yml', import.meta.url))

describe('karafka-ts/testing on the example app (no broker)', () => {
  it('runs the invoicing handler on typed messages and lists what it published', async () => {
    const t = createTestHarness({ manifest })
    const consumer = await t.consumerFor('example', 'orders')
    t.produce('orders', 'order_completed', { orderId: 'o-1', customerId: 'c-9', total: 30, items: [{ sku: 'a', qty: 1 }] })
    t.produce('orders', 'customer_shipping_address_updated', { customerId: 'c-9', address: { street: 's', city: 'c' } })
    assert.equal(consumer.pending.length, 2)
    const result = await consumer.consume()
    assert.equal(result.error, undefined)
    assert.equal(result.consumed, '1')
    assert.equal(consumer.pending.length, 0)
    assert.equal(t.producedMessages.length, 1)
    const [invoice] = t.producedMessages
    assert.equal(invoice!.topic, 'orders')
    assert.equal(invoice!.event, 'invoice_issued')
    assert.equal(invoice!.key, 'c-9', 'keyed by customer, like the order it bills')
    assert.deepEqual(
      { ...(invoice!.payload as object), issuedAt: undefined },
      { invoiceId: 'inv-o-1', customerId: 'c-9', orderId: 'o-1', amount: 30, issuedAt: undefined },
    )
    assert.match(result.logs[0]!.message, /Invoiced order o-1 of customer c-9: 30/)
  })

  it('hands over tombstones and typed messages, validates what is produced, and reports handler errors', async () => {
    const t = createTestHarness({ manifest })
    const users = await t.consumerFor('example', 'users')
    const message = t.produce('users', 'user_created', { id: 5, email: 'e@x.io' })
    assert.equal(message.key, '5')
    assert.equal(message.event, 'user_created')
    t.tombstone('users', 5)
    const result = await users.consume()
    assert.deepEqual(
      result.logs.map((l) => l.message),
      ['New [user_created] event: {"id":5,"email":"e@x.io"}', 'User 5 deleted (tombstone)'],
    )
    assert.throws(
      () => t.produce('users', 'user_created', { id: 'five' }),
      (e: unknown) => e instanceof KarafkaError && e.code === 'EVENT_INVALID',
    )
    assert.throws(() => t.produce('users', 'user_renamed', {}), /no event user_renamed on topic users/)
    await assert.rejects(t.consumerFor('example', 'nope'), /no route example\/nope/)
    assert.equal(path.basename(users.route.handler), 'users.ts')
  })

  it("spreads a batch over the route's virtual partitions by key, each customer's orders in order in one of them", async () => {
    const t = createTestHarness({ manifest })
    const consumer = await t.consumerFor('example', 'orders')
    assert.deepEqual(consumer.route.virtualPartitions, { by: 'key', max: 8, distribution: 'balanced' })
    const customers = Array.from({ length: 12 }, (_, i) => `c-${i}`)
    for (let round = 0; round < 3; round++)
      for (const customerId of customers)
        t.produce('orders', 'order_completed', { orderId: `o-${round}-${customerId}`, customerId, total: round, items: [] })
    const result = await consumer.consume()
    assert.equal(result.error, undefined)
    assert.equal(result.consumed, '35')
    assert.ok(result.batches.length > 1 && result.batches.length <= 8, `${result.batches.length} virtual partitions`)
    const batchOf = new Map<string, number>()
    for (const [i, batch] of result.batches.entries()) {
      assert.equal(typeof batch.virtualPartition, 'number')
      assert.deepEqual(
        batch.offsets,
        [...batch.offsets].sort((a, b) => Number(a) - Number(b)),
        'offset order in a virtual partition',
      )
      for (const offset of batch.offsets) batchOf.set(offset, i)
    }
    for (const [c] of customers.entries()) {
      const offsets = [c, c + 12, c + 24].map(String)
      assert.equal(new Set(offsets.map((o) => batchOf.get(o))).size, 1, `customer c-${c} in one virtual partition`)
    }
    assert.equal(t.producedMessages.length, 36, 'one invoice per order')
  })

  it('on a transactional route, lists what a batch published only when it counts as consumed: all of it, or what came before the last mark', async () => {
    const project = tempProject({
      'karafka.yml': `app: { clientId: tx, brokers: 127.0.0.1:9092 }
topics:
  jobs: { key: id, events: { job: { id: string, n: integer } } }
  done: { key: id, events: { done: { id: string, n: integer } } }
consumerGroups:
  g:
    topics:
      jobs: { handler: handlers/jobs.ts, transactional: true }
`,
      'handlers/jobs.ts': `import { defineConsumer } from '../generated/karafka.js'
export default defineConsumer('g', 'jobs', async (messages, ctx) => {
  for (const m of messages) {
    if (m.event !== 'job') continue
    const delivery = await ctx.responders.done.done({ id: m.payload.id, n: m.payload.n })
    if (delivery.offset !== '-1') throw new Error('a staged record has no offset yet')
    if (m.payload.n === 3 && ctx.attempt === 1) throw new Error('fails after publishing done(3)')
    ctx.markAsConsumed(m)
  }
})
`,
    })
    try {
      runCodegen({ manifestPath: path.join(project.dir, 'karafka.yml'), cwd: project.dir })
      const t = createTestHarness({ manifest: path.join(project.dir, 'karafka.yml') })
      const consumer = await t.consumerFor('g', 'jobs')
      for (const n of [1, 2, 3, 4]) t.produce('jobs', 'job', { id: 'k', n })
      const failed = await consumer.consume()
      assert.equal(failed.error?.message, 'fails after publishing done(3)')
      assert.equal(failed.consumed, '1')
      assert.deepEqual(
        t.producedMessages.map((m) => (m.payload as { n: number }).n),
        [1, 2],
        'done(3) was published after the last mark of a failed batch: it never counts',
      )
    } finally {
      project.remove()
    }
  })
})
