import assert from 'node:assert/strict'
import { randomBytes, randomInt } from 'node:crypto'
import { describe, it } from 'node:test'
import { FetchedRecord } from '../../../../src/kafka/records/fetched-record.js'
import { fasterRecordDecoder } from '../../../../src/kafka/records/record-reader.js'
import type { BatchContext, DecodedRecord, RecordDecoderFunction } from '../../../../src/kafka/records/types.js'
import { context, Decoder, originalDecoder, type RecordSpec, readHeader, recordBytes } from '../../../helpers/kafkajs-records.js'

/**
 * Both decoders on the same bytes: the faster one's record (as a plain object, every field read)
 * and kafkajs's, and the bytes each read. What a fetched record answers in place, before any of
 * its fields is made, is checked against kafkajs's record on the way.
 */
function both(decode: RecordDecoderFunction, bytes: Buffer, context: BatchContext) {
  const mine = new Decoder(bytes) as unknown as Parameters<RecordDecoderFunction>[0]
  const theirs = new Decoder(bytes) as unknown as Parameters<RecordDecoderFunction>[0]
  const record = decode(mine, context)
  const kafkajs = originalDecoder(theirs, context)
  if (record instanceof FetchedRecord) checkInPlace(record, kafkajs)
  const faster = record instanceof FetchedRecord ? record.toJSON() : record
  return { faster, kafkajs, read: [mine.offset, theirs.offset], fetched: record instanceof FetchedRecord }
}

function checkInPlace(record: FetchedRecord, kafkajs: DecodedRecord): void {
  const keyText = kafkajs.key === null ? null : kafkajs.key.toString('utf8')
  const candidates = [keyText, null, 'k1', 'k', 'k12', '', 'ké', `${keyText}x`]
  const answers = candidates.map((text) => record.keyEquals(text))
  assert.deepEqual(
    answers,
    candidates.map((text) => text === keyText),
    `key ${keyText}`,
  )
  assert.equal(record.valueText(), kafkajs.value === null ? null : kafkajs.value.toString('utf8'))
  assert.equal(record.mayHaveHeaders, Object.keys(kafkajs.headers).length > 0)
  // Made once: the same Buffers and object every time, as a plain object's.
  assert.equal(record.key, record.key)
  assert.equal(record.value, record.value)
  assert.equal(record.headers, record.headers)
  // Once made, they answer the same.
  assert.deepEqual(
    candidates.map((text) => record.keyEquals(text)),
    answers,
  )
  assert.equal(record.valueText(), kafkajs.value === null ? null : kafkajs.value.toString('utf8'))
}

describe('the faster record decoder', () => {
  it('gives what kafkajs gives, field for field, for keys, values, headers and deltas of every kind', () => {
    const decode = fasterRecordDecoder(originalDecoder, readHeader)
    const headerSets: (Record<string, Buffer | Buffer[]> | undefined)[] = [
      undefined,
      { event_name: Buffer.from('user_created') },
      { a: [Buffer.from('1'), Buffer.from('2'), Buffer.from('3')], b: Buffer.from('x') },
      // Names kafkajs reads through the object's prototype, or that assignment would treat specially.
      Object.defineProperty({ toString: Buffer.from('t'), 7: Buffer.from('n') }, '__proto__', {
        value: Buffer.from('p'),
        enumerable: true,
      }),
    ]
    const deltas = [0, 1, -1, 63, 64, 5_000, -5_000, 2 ** 40, -(2 ** 40), 2 ** 48 - 1, 2 ** 50, 2n ** 62n]
    const contexts = [
      context('0', '1733400000000'),
      context('1234567', '-1'),
      context('9007199254740000', '1733400000000'),
      context('9223372036854775000', '1733400000000'),
      context('42', '9007199254740990'),
      context('42', '1733400000000', { timestampType: 1 }),
      context('42', '1733400000000', { isControlBatch: true }),
    ]
    let cases = 0
    for (const batch of contexts)
      for (const timestampDelta of deltas)
        for (const headers of headerSets)
          for (const [key, value] of [
            [Buffer.from('k1'), Buffer.from('{"event_name":"tick"}')],
            [null, null],
          ] as const) {
            const offsetDelta = cases % 3 === 0 ? 0 : cases % 3 === 1 ? 17 : 2_000_000
            const bytes = recordBytes({ offsetDelta, timestampDelta, key, value, headers })
            // Record attributes are unused today, but read as kafkajs reads them (a signed byte).
            if (cases % 2 === 1) bytes[0] = 0xfe
            const result = both(decode, bytes, batch)
            assert.deepStrictEqual(
              result.faster,
              result.kafkajs,
              `context ${JSON.stringify(batch)}, delta ${timestampDelta}, headers ${headers && Object.keys(headers)}`,
            )
            assert.equal(result.read[0], result.read[1])
            cases++
          }
    assert.equal(cases, contexts.length * deltas.length * headerSets.length * 2)
  })

  it('gives what kafkajs gives for random records, the batch context changing and coming back', () => {
    const decode = fasterRecordDecoder(originalDecoder, readHeader)
    const contexts = [context('100', '1733400000000'), context('100', '1733400000500'), context('5000000000', '1733400000000')]
    for (let i = 0; i < 2_000; i++) {
      // Several records of a batch in a row, then another batch: timestamps of one batch must never be reused for the next.
      const batch = contexts[Math.floor(i / 7) % contexts.length]!
      const spec: RecordSpec = {
        offsetDelta: randomInt(0, 100_000),
        timestampDelta: randomInt(0, 4) === 0 ? randomInt(-100, 100) : randomInt(0, 70),
        key: randomInt(0, 5) === 0 ? null : randomBytes(randomInt(0, 40)),
        value: randomInt(0, 9) === 0 ? null : randomBytes(randomInt(0, 300)),
        headers: randomInt(0, 3) === 0 ? { h: randomBytes(4), [`x${randomInt(0, 3)}`]: [randomBytes(2), randomBytes(3)] } : {},
      }
      const result = both(decode, recordBytes(spec), batch)
      assert.deepStrictEqual(result.faster, result.kafkajs, `record ${i}`)
    }
  })

  it("hands a record it cannot do in numbers to kafkajs's decoder whole", () => {
    const calls: number[] = []
    const counting: RecordDecoderFunction = (decoder, batchContext) => {
      calls.push(decoder.offset)
      return originalDecoder(decoder, batchContext)
    }
    const decode = fasterRecordDecoder(counting, readHeader)
    const plain = { offsetDelta: 1, key: null, value: Buffer.from('v') }
    assert.equal(both(decode, recordBytes({ ...plain, timestampDelta: 5 }), context('1', '1733400000000')).fetched, true)
    assert.deepEqual(calls, [], 'an ordinary record needs no help')
    for (const [delta, batch] of [
      [2n ** 62n, context('1', '1733400000000')],
      [5, context('9223372036854775000', '1733400000000')],
      [5, context('1', '9007199254740991')],
    ] as const) {
      calls.length = 0
      const result = both(decode, recordBytes({ ...plain, timestampDelta: delta }), batch)
      assert.deepStrictEqual(result.faster, result.kafkajs)
      assert.equal(result.fetched, false)
      assert.deepEqual(calls, [0], `delta ${delta}, ${JSON.stringify(batch)}: from the record's first byte`)
    }
  })

  it('leaves to kafkajs a header without a name, and lengths past the record', () => {
    const decode = fasterRecordDecoder(originalDecoder, readHeader)
    const batch = context('1', '1733400000000')
    // attributes 0, timestamp delta 0, offset delta 0, key null (-1), value "v", one header: name null (-1), value "x".
    const nameless = Buffer.from([0, 0, 0, 1, 2, 0x76, 2, 1, 2, 0x78])
    const result = both(decode, nameless, batch)
    assert.equal(result.fetched, false)
    assert.deepStrictEqual(result.faster, result.kafkajs)
    assert.deepEqual(Object.keys(result.kafkajs.headers), ['null'])
    // The value's length says 50 bytes where 1 follows.
    const short = Buffer.from([0, 0, 0, 1, 100, 0x76, 0])
    const cut = both(decode, short, batch)
    assert.equal(cut.fetched, false)
    assert.deepStrictEqual(cut.faster, cut.kafkajs)
  })
})
