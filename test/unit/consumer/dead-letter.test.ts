import assert from 'node:assert/strict'
import { it } from 'node:test'
import { deadLetterRecord } from '../../../src/consumer/dead-letter.js'
import type { RawRecord } from '../../../src/consumer/decode.js'
import { Record } from '../../helpers/kafkajs-records.js'

const info = { group: 'g', error: { name: 'TypeError', message: 'boom' }, attempts: 3 }

it('copies the key, value and headers (the last of a repeated one) and says where the record came from and why it failed', () => {
  const record: RawRecord = {
    topic: 'orders',
    partition: 2,
    offset: '41',
    key: Buffer.from('k'),
    value: Buffer.from('{}'),
    timestamp: '1',
    headers: { trace: Buffer.from('t'), repeated: [Buffer.from('a'), 'b'] },
  }
  assert.deepEqual(deadLetterRecord(record, info), {
    key: Buffer.from('k'),
    value: Buffer.from('{}'),
    headers: {
      trace: Buffer.from('t'),
      repeated: 'b',
      source_topic: 'orders',
      source_partition: '2',
      source_offset: '41',
      source_consumer_group: 'g',
      error_class: 'TypeError',
      error_message: 'boom',
      attempts: '3',
    },
  })
})

it("writes a header without a value as '', which kafkajs's producer can encode (null made it throw, so the dead letter failed)", () => {
  const headers = { empty: null, listed: [Buffer.from('a'), null] } as unknown as RawRecord['headers']
  const letter = deadLetterRecord({ topic: 't', partition: 0, offset: '1', key: null, value: null, timestamp: '1', headers }, info)
  assert.equal(letter.headers!.empty, '')
  assert.equal(letter.headers!.listed, '')
  assert.doesNotThrow(() => Record({ offsetDelta: 0, timestampDelta: 0, key: null, value: null, headers: letter.headers }))
  assert.throws(() => Record({ offsetDelta: 0, timestampDelta: 0, key: null, value: null, headers: { empty: null } }), TypeError)
})
