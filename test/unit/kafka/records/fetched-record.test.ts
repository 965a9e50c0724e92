import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { inspect } from 'node:util'
import { FetchedRecord } from '../../../../src/kafka/records/fetched-record.js'
import { fasterRecordDecoder } from '../../../../src/kafka/records/record-reader.js'
import type { RecordDecoderFunction } from '../../../../src/kafka/records/types.js'
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
    const decoded = decode(
      new Decoder(recordBytes(spec)) as unknown as Parameters<RecordDecoderFunction>[0],
      context('10', '1733400000000'),
    )
    const kafkajs = originalDecoder(
      new Decoder(recordBytes(spec)) as unknown as Parameters<RecordDecoderFunction>[0],
      context('10', '1733400000000'),
    )
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
})
