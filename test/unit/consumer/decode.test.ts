import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { z } from 'zod'
import { decodeRecord, inconsistency, isInvalidRecord, type RawRecord } from '../../../src/consumer/decode.js'
import type { Message } from '../../../src/consumer/types.js'
import type { Topology } from '../../../src/topology.js'

const topology: Topology = {
  fingerprint: 'test',
  app: {},
  topics: {
    orders: {
      key: 'customer.id',
      events: {
        order_completed: { schema: z.object({ customer: z.object({ id: z.number() }) }), method: 'orderCompleted' },
        order_cancelled: { schema: z.object({ customer: z.object({ id: z.number() }) }), method: 'orderCancelled' },
      },
    },
    notes: { key: undefined, events: { note: { schema: z.object({ text: z.string() }), method: 'note' } } },
  },
}

function decoded(topic: string, key: string | null, value: unknown, headers: Record<string, string> = {}): Message {
  const record: RawRecord = {
    topic,
    partition: 0,
    offset: '7',
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(JSON.stringify(value)),
    timestamp: '0',
    headers,
  }
  const message = decodeRecord(topology, record)
  assert.ok(!isInvalidRecord(message), 'a valid record')
  return message
}

describe('inconsistent messages', () => {
  const order = { event_name: 'order_completed', payload: { customer: { id: 42 } } }

  it('a message keyed as the responders key it, with a matching or no event_name header, is consistent', () => {
    assert.equal(inconsistency(topology, decoded('orders', '42', order, { event_name: 'order_completed' })), undefined)
    assert.equal(inconsistency(topology, decoded('orders', '42', order)), undefined, 'other producers may set no header')
    assert.equal(
      inconsistency(topology, decoded('notes', null, { event_name: 'note', payload: { text: 'x' } })),
      undefined,
      'no key path: any key',
    )
    assert.equal(inconsistency(topology, decoded('orders', '1', null)), undefined, 'a tombstone has no payload to compare')
  })

  it('an event_name header naming another event than the envelope', () => {
    assert.equal(
      inconsistency(topology, decoded('orders', '42', order, { event_name: 'order_cancelled' })),
      'its event_name header says "order_cancelled" but its envelope says "order_completed" (the envelope counts)',
    )
  })

  it('a key that is not String(payload[key]), or none at all on a keyed topic', () => {
    assert.match(inconsistency(topology, decoded('orders', '41', order)) ?? '', /^its key "41" is not its payload's customer\.id \("42"\)/)
    assert.match(inconsistency(topology, decoded('orders', null, order)) ?? '', /^its key is null/)
  })
})
