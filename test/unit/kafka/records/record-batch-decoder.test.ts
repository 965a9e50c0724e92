import assert from 'node:assert/strict'
import { randomBytes, randomInt } from 'node:crypto'
import { describe, it } from 'node:test'
import { FetchedRecord } from '../../../../src/kafka/records/fetched-record.js'
import { fasterRecordBatchDecoder } from '../../../../src/kafka/records/record-batch-decoder.js'
import type { RecordBatchDecoderFunction, RecordDecoderLike } from '../../../../src/kafka/records/types.js'
import {
  Compression,
  Decoder,
  Long,
  originalBatchDecoder,
  originalDecoder,
  Record,
  RecordBatch,
  readHeader,
} from '../../../helpers/kafkajs-records.js'

describe('the faster record batch decoder', () => {
  const decodeBatch = fasterRecordBatchDecoder(originalBatchDecoder, originalDecoder, readHeader)
  type Result = Awaited<ReturnType<RecordBatchDecoderFunction>>
  const plain = (result: Result) => ({
    ...result,
    records: result.records.map((record) => (record instanceof FetchedRecord ? record.toJSON() : record)),
  })

  /** Decodes `bytes` (one or more batches) with both decoders until the end or an error: results, errors and bytes read. */
  async function bothBatches(bytes: Buffer) {
    const decoded: { faster: unknown[]; kafkajs: unknown[]; inPlace: number } = { faster: [], kafkajs: [], inPlace: 0 }
    for (const [decode, into] of [
      [decodeBatch, decoded.faster],
      [originalBatchDecoder, decoded.kafkajs],
    ] as const) {
      const decoder = new Decoder(bytes) as unknown as RecordDecoderLike
      while (decoder.offset < bytes.length) {
        try {
          const result = await decode(decoder)
          if (decode === decodeBatch) decoded.inPlace += result.records.filter((record) => record instanceof FetchedRecord).length
          into.push(plain(result), decoder.offset)
        } catch (error) {
          into.push(`${(error as Error).name}: ${(error as Error).message}`)
          break
        }
      }
    }
    return decoded
  }

  const records = (
    count: number,
    headers = (i: number): Record<string, Buffer> => (i % 3 === 0 ? { event_name: Buffer.from('tick') } : {}),
  ) =>
    Array.from({ length: count }, (_, i) =>
      Record({
        offsetDelta: i,
        timestampDelta: i * 3,
        key: i % 7 === 0 ? null : Buffer.from(`k${i}`),
        value: i % 5 === 0 ? null : Buffer.from(JSON.stringify({ i })),
        headers: headers(i),
      }),
    )
  const batch = (options: object) =>
    RecordBatch({ firstOffset: Long.fromValue('1000'), firstTimestamp: 1_733_400_000_000, maxTimestamp: 1_733_400_000_900, ...options })

  it('gives what kafkajs gives for uncompressed, transactional, compressed and empty batches, one after another', async () => {
    const batches = await Promise.all([
      batch({ records: records(50), lastOffsetDelta: 49 }),
      batch({ records: records(3), lastOffsetDelta: 2, transactional: true, producerId: Long.fromValue('77'), producerEpoch: 3 }),
      batch({ records: records(20), lastOffsetDelta: 19, compression: Compression.GZIP }),
      batch({ records: [], lastOffsetDelta: 0 }),
      batch({ records: records(1), firstOffset: Long.fromValue('9007199254740999') }),
    ])
    const bytes = Buffer.concat(batches.map((b) => b.buffer))
    const result = await bothBatches(bytes)
    assert.deepStrictEqual(result.faster, result.kafkajs)
    assert.equal(result.faster.length, 10, 'five batches, each with the bytes read after it')
    // Compressed batches go to kafkajs's batch decoder; the batch past 2^53 to kafkajs's record decoder.
    assert.equal(result.inPlace, 53)
  })

  it('gives what kafkajs gives for a batch of log-append time, and for a control batch', async () => {
    for (const flag of [0x08, 0x20]) {
      const { buffer } = await batch({ records: records(4), lastOffsetDelta: 3 })
      // The attributes' low byte: kafkajs's encoder sets neither flag itself.
      buffer[22] = buffer[22]! | flag
      const result = await bothBatches(buffer)
      assert.deepStrictEqual(result.faster, result.kafkajs)
      assert.equal(result.inPlace, 4)
    }
  })

  it('leaves a batch cut off by the end of the fetch, or whose lengths do not add up, to kafkajs', async () => {
    const { buffer } = await batch({ records: records(10), lastOffsetDelta: 9 })
    for (const cut of [buffer.length - 1, buffer.length - 30, 70, 61, 40]) {
      const result = await bothBatches(buffer.subarray(0, cut))
      assert.deepStrictEqual(result.faster, result.kafkajs, `cut at ${cut}`)
      assert.equal(result.inPlace, 0)
    }
    // One record more than the batch holds.
    const longer = Buffer.from(buffer)
    longer.writeInt32BE(11, 57)
    const result = await bothBatches(longer)
    assert.deepStrictEqual(result.faster, result.kafkajs)
    assert.equal(result.inPlace, 0)
  })

  it('reads random batches as kafkajs does', async () => {
    for (let round = 0; round < 40; round++) {
      const count = randomInt(0, 30)
      const specs = Array.from({ length: count }, (_, i) =>
        Record({
          offsetDelta: i,
          timestampDelta: randomInt(0, 2_000),
          key: randomInt(0, 4) === 0 ? null : randomBytes(randomInt(0, 20)),
          value: randomInt(0, 6) === 0 ? null : randomBytes(randomInt(0, 400)),
          headers: randomInt(0, 2) === 0 ? {} : { a: randomBytes(3), [`h${randomInt(0, 4)}`]: [randomBytes(1), randomBytes(2)] },
        }),
      )
      const { buffer } = await batch({
        records: specs,
        lastOffsetDelta: Math.max(0, count - 1),
        firstOffset: Long.fromValue(`${randomInt(0, 2 ** 40)}`),
      })
      const result = await bothBatches(buffer)
      assert.deepStrictEqual(result.faster, result.kafkajs, `round ${round}`)
      assert.equal(result.inPlace, count)
    }
  })
})
