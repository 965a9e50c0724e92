import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { inspect } from 'node:util'
import type { KafkaMessage } from 'kafkajs'
import { z } from 'zod'
import {
  BatchRecord,
  type DecodedMessage,
  decodeRecord,
  inconsistency,
  isInvalidRecord,
  type RawRecord,
} from '../../../src/consumer/decode.js'
import type { Message } from '../../../src/consumer/types.js'
import { FetchedRecord } from '../../../src/kafka/records/fetched-record.js'
import { fasterRecordDecoder } from '../../../src/kafka/records/record-reader.js'
import type { Topology } from '../../../src/topology.js'
import { Decoder, Encoder, originalDecoder, readHeader, recordBytes } from '../../helpers/kafkajs-records.js'

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

function decoded(topic: string, key: string | null, value: unknown, headers: RawRecord['headers'] = {}): Message {
  const record: RawRecord = {
    topic,
    partition: 0,
    offset: '7',
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(JSON.stringify(value)),
    timestamp: '1764928800000',
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

describe('inconsistency reads the record bytes as text', () => {
  const topics: Topology = {
    fingerprint: 'test',
    app: {},
    topics: { people: { key: 'name', events: { met: { schema: z.object({ name: z.string() }), method: 'met' } } } },
  }
  const met = (key: string, name: string, headers: RawRecord['headers'] = {}) => {
    const message = decodeRecord(topics, {
      topic: 'people',
      partition: 0,
      offset: '1',
      key: Buffer.from(key),
      value: Buffer.from(JSON.stringify({ event_name: 'met', payload: { name } })),
      timestamp: '0',
      headers,
    })
    assert.ok(!isInvalidRecord(message))
    return inconsistency(topics, message)
  }

  it('compares keys in UTF-8, not byte for byte with the text', () => {
    assert.equal(met('Zoë', 'Zoë'), undefined)
    assert.equal(met('日本', '日本'), undefined)
    assert.match(met('Zoe', 'Zoë') ?? '', /^its key "Zoe" is not its payload's name \("Zoë"\)/)
    assert.match(met('Zoë', 'Zoe') ?? '', /is not its payload's name/)
    assert.match(met('ab', 'abc') ?? '', /is not its payload's name/)
  })

  it('reads the last of a repeated event_name header, as Buffer or text', () => {
    assert.equal(met('a', 'a', { event_name: [Buffer.from('other'), Buffer.from('met')] }), undefined)
    assert.match(met('a', 'a', { event_name: Buffer.from('other') }) ?? '', /header says "other"/)
  })
})

describe('a decoded message', () => {
  const message = decoded('orders', 'k1', { event_name: 'order_completed', payload: { customer: { id: 42 } } }, { trace: Buffer.from('t') })

  it('has every field a handler reads, the record metadata decoded when first read', () => {
    assert.equal(message.key, 'k1')
    assert.equal(message.timestamp.toISOString(), '2025-12-05T10:00:00.000Z')
    assert.deepEqual(message.headers, { trace: 't' })
    assert.equal(message.timestamp, message.timestamp, 'decoded once')
    assert.deepEqual(
      [message.topic, message.partition, message.offset, message.event, message.tombstone],
      ['orders', 0, '7', 'order_completed', false],
    )
  })

  it('shows every field in JSON, toJSON() and console.log, and takes assignments', () => {
    const plain = {
      topic: 'orders',
      partition: 0,
      offset: '7',
      key: 'k1',
      timestamp: new Date(1764928800000),
      headers: { trace: 't' },
      event: 'order_completed',
      payload: { customer: { id: 42 } },
      tombstone: false,
    }
    assert.deepEqual((message as unknown as DecodedMessage).toJSON(), plain)
    assert.deepEqual(JSON.parse(JSON.stringify(message)), JSON.parse(JSON.stringify(plain)))
    assert.equal(inspect(message), inspect(plain))
    const copy = decoded('orders', 'k1', { event_name: 'order_completed', payload: { customer: { id: 42 } } })
    copy.key = 'k2'
    copy.headers = { a: 'b' }
    assert.deepEqual([copy.key, copy.headers], ['k2', { a: 'b' }])
  })

  it('a tombstone: no event, no payload, its key still read', () => {
    const gone = decoded('orders', '42', null)
    assert.deepEqual([gone.tombstone, gone.event, gone.payload, gone.key], [true, null, null, '42'])
  })
})

describe('records of a kafkajs batch, read in place', () => {
  const decodeFetched = fasterRecordDecoder(originalDecoder, readHeader)
  const context = { firstOffset: '7', firstTimestamp: '1764928800000', magicByte: 2, isControlBatch: false, timestampType: 0 }

  /** The same record twice: as the poller's kafkajs gives it (read in place), and as a plain raw record. */
  function bothForms(topic: string, key: Buffer | null, value: Buffer | null, headers: Record<string, Buffer | Buffer[]>) {
    const bytes = recordBytes({ offsetDelta: 0, timestampDelta: 0, key, value, headers })
    const fetched = decodeFetched(new Decoder(bytes), context)
    assert.ok(fetched instanceof FetchedRecord)
    const inPlace = new BatchRecord(topic, 0, fetched as unknown as KafkaMessage)
    assert.ok(inPlace.fetched)
    const plain: RawRecord = { topic, partition: 0, offset: '7', key, value, timestamp: '1764928800000', headers }
    return { inPlace, plain }
  }

  it('decode and check to the same messages, reasons and inconsistencies as plain records', () => {
    const envelope = (event: string, id: unknown) => Buffer.from(JSON.stringify({ event_name: event, payload: { customer: { id } } }))
    const cases: [string, Buffer | null, Buffer | null, Record<string, Buffer | Buffer[]>][] = [
      ['orders', Buffer.from('42'), envelope('order_completed', 42), {}],
      ['orders', Buffer.from('42'), envelope('order_completed', 42), { event_name: Buffer.from('order_completed') }],
      ['orders', Buffer.from('42'), envelope('order_completed', 42), { event_name: Buffer.from('order_cancelled') }],
      [
        'orders',
        Buffer.from('42'),
        envelope('order_completed', 42),
        { event_name: [Buffer.from('order_cancelled'), Buffer.from('order_completed')] },
      ],
      ['orders', Buffer.from('43'), envelope('order_completed', 42), {}],
      ['orders', Buffer.from('4'), envelope('order_completed', 42), {}],
      ['orders', Buffer.from('420'), envelope('order_completed', 42), {}],
      ['orders', null, envelope('order_completed', 42), {}],
      ['orders', Buffer.from(''), envelope('order_completed', 42), { trace: Buffer.from('t') }],
      ['orders', Buffer.from('42'), null, {}],
      ['orders', Buffer.from('42'), Buffer.from('not json'), {}],
      ['orders', Buffer.from('42'), envelope('order_shipped', 42), {}],
      ['orders', Buffer.from('42'), envelope('order_completed', 'x'), {}],
      ['notes', Buffer.from('é'), Buffer.from(JSON.stringify({ event_name: 'note', payload: { text: 'ü' } })), {}],
      ['notes', null, Buffer.from(JSON.stringify({ event_name: 'note', payload: { text: 'ü' } })), { event_name: Buffer.from('nöte') }],
    ]
    for (const [topic, key, value, headers] of cases) {
      const { inPlace, plain } = bothForms(topic, key, value, headers)
      const fromInPlace = decodeRecord(topology, inPlace)
      const fromPlain = decodeRecord(topology, plain)
      const label = `${topic} ${key} ${value} ${Object.keys(headers)}`
      if (isInvalidRecord(fromPlain)) {
        assert.ok(isInvalidRecord(fromInPlace), label)
        assert.equal(fromInPlace.reason, fromPlain.reason, label)
        continue
      }
      assert.ok(!isInvalidRecord(fromInPlace), label)
      assert.deepEqual((fromInPlace as unknown as DecodedMessage).toJSON(), (fromPlain as unknown as DecodedMessage).toJSON(), label)
      assert.equal(inconsistency(topology, fromInPlace), inconsistency(topology, fromPlain), label)
    }
  })

  it('compares a key in place as the plain record does, for keys that are null, "null" and other text', () => {
    const topologyOf = (id: unknown) => ({ event_name: 'order_completed', payload: { customer: { id } } })
    for (const [key, id] of [
      [null, 1],
      [Buffer.from('null'), 1],
      [Buffer.from('1'), 1],
      [Buffer.from('1.5'), 1.5],
      [Buffer.from('1e+21'), 1e21],
    ] as const) {
      const value = Buffer.from(JSON.stringify(topologyOf(id)))
      const { inPlace, plain } = bothForms('orders', key, value, {})
      const a = decodeRecord(topology, inPlace)
      const b = decodeRecord(topology, plain)
      assert.ok(!isInvalidRecord(a) && !isInvalidRecord(b))
      assert.equal(inconsistency(topology, a), inconsistency(topology, b), `key ${key}, id ${id}`)
    }
  })

  it('an event_name header without a value names no event, and reads as empty text (the check threw on it, stopping the partition)', () => {
    const envelope = Buffer.from(JSON.stringify({ event_name: 'order_completed', payload: { customer: { id: 42 } } }))
    // kafkajs's producer cannot write a header without a value (other clients can): the record written by hand.
    const bytes = new Encoder()
      .writeInt8(0)
      .writeVarLong(0)
      .writeVarInt(0)
      .writeVarIntBytes(Buffer.from('42'))
      .writeVarIntBytes(envelope)
      .writeVarInt(3)
      .writeVarIntString('event_name')
      .writeVarIntBytes(null)
      .writeVarIntString('trace')
      .writeVarIntBytes(Buffer.from('t'))
      .writeVarIntString('trace')
      .writeVarIntBytes(null).buffer
    const fetched = decodeFetched(new Decoder(bytes), context)
    assert.ok(fetched instanceof FetchedRecord)
    const { headers } = originalDecoder(new Decoder(bytes), context)
    assert.deepEqual(headers, { event_name: null, trace: [Buffer.from('t'), null] })
    const plain: RawRecord = {
      topic: 'orders',
      partition: 0,
      offset: '7',
      key: Buffer.from('42'),
      value: envelope,
      timestamp: '1',
      headers: headers as unknown as RawRecord['headers'],
    }
    for (const record of [new BatchRecord('orders', 0, fetched as unknown as KafkaMessage), plain]) {
      const message = decodeRecord(topology, record)
      assert.ok(!isInvalidRecord(message))
      assert.equal(inconsistency(topology, message), undefined)
      assert.deepEqual(message.headers, { event_name: '', trace: '' })
    }
  })
})
