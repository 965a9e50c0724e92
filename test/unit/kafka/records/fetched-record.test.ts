import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { inspect } from 'node:util'
import { FetchedRecord } from '../../../../src/kafka/records/fetched-record.js'
import { fasterRecordDecoder } from '../../../../src/kafka/records/record-reader.js'
import { context, Decoder, originalDecoder, readHeader, recordBytes } from '../../../helpers/kafkajs-records.js'

describe('a fetched record', () => {
  it('reads, assigns and prints as a plain record does', () => {
    const decode = fasterRecordDecoder(originalDecoder, readHeader)
    const spec = {
      offsetDelta: 3,
      timestampDelta: 9,
      key: Buffer.from('k1'),
      value: Buffer.from('{"a":1}'),
      headers: { event_name: Buffer.from('e') },
    }
    const decoded = decode(new Decoder(recordBytes(spec)), context('10', '1733400000000'))
    const kafkajs = originalDecoder(new Decoder(recordBytes(spec)), context('10', '1733400000000'))
    assert.ok(decoded instanceof FetchedRecord)
    assert.equal(JSON.stringify(decoded), JSON.stringify(kafkajs))
    assert.equal(inspect(decoded), inspect(kafkajs))
    decoded.value = Buffer.from('"b"')
    decoded.key = null
    decoded.headers = {}
    assert.equal(decoded.valueText(), '"b"')
    assert.equal(decoded.keyEquals(null), true)
    assert.equal(decoded.mayHaveHeaders, false)
  })

  it('keeps an assigned undefined or null, as a plain object does, rather than reading the fetched bytes again', () => {
    const decode = fasterRecordDecoder(originalDecoder, readHeader)
    const spec = { offsetDelta: 0, timestampDelta: 0, key: Buffer.from('k1'), value: Buffer.from('v'), headers: { h: Buffer.from('x') } }
    const decoded = decode(new Decoder(recordBytes(spec)), context('10', '1733400000000'))
    assert.ok(decoded instanceof FetchedRecord)
    const fields = decoded as unknown as Record<'key' | 'value' | 'headers', unknown>
    fields.key = undefined
    fields.value = undefined
    fields.headers = null
    assert.deepEqual([decoded.key, decoded.value, decoded.headers], [undefined, undefined, null])
    assert.equal(decoded.valueText(), null)
    assert.equal(decoded.keyEquals(null), true)
    assert.equal(decoded.keyEquals('k1'), false)
    assert.equal(decoded.mayHaveHeaders, false)
  })
})
