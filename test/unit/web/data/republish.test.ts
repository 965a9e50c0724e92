import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { ReadRecord } from '../../../../src/kafka/reader.js'
import { originalRecord } from '../../../../src/web/data/republish.js'

const record = (headers: [string, string][]): ReadRecord => ({
  topic: 'orders.dlq',
  partition: 1,
  offset: '7',
  timestamp: 0,
  key: Buffer.from('c-42'),
  value: Buffer.from('{"event_name":"order_completed","payload":{}}'),
  headers: headers.map(([n, v]) => [n, Buffer.from(v)]),
})
const routes = [{ topic: 'orders', deadLetter: 'orders.dlq' }] as never

it('the original record: same key, value and headers, without the ones the dead-letter topic added', () => {
  const dead = record([
    ['event_name', 'order_completed'],
    ['traceparent', '00-abc-def-01'],
    ['source_topic', 'orders'],
    ['source_partition', '3'],
    ['source_offset', '67'],
    ['source_consumer_group', 'shop'],
    ['error_class', 'RangeError'],
    ['error_message', 'negative'],
    ['attempts', '3'],
  ])
  const original = originalRecord(dead, 'orders.dlq', { routes })
  assert.ok(!('refused' in original))
  assert.equal(original.topic, 'orders')
  assert.equal(original.record.key, dead.key)
  assert.equal(original.record.value, dead.value)
  assert.deepEqual(Object.fromEntries(Object.entries(original.record.headers!).map(([k, v]) => [k, v.toString()])), {
    event_name: 'order_completed',
    traceparent: '00-abc-def-01',
  })
})

it('refuses a record without source_topic, and a source topic no route dead-letters here (headers cannot aim it elsewhere)', () => {
  assert.match((originalRecord(record([]), 'orders.dlq', { routes }) as { refused: string }).refused, /no source_topic header/)
  assert.match(
    (originalRecord(record([['source_topic', 'payments']]), 'orders.dlq', { routes }) as { refused: string }).refused,
    /no route of the manifest consumes "payments" with deadLetter orders\.dlq/,
  )
})
