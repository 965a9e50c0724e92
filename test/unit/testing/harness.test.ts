import assert from 'node:assert/strict'
import path from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createTestHarness } from 'karafka-ts/testing'
import { KarafkaError } from '../../../src/errors/index.js'

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
})
