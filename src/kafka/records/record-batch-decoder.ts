import Decoder from 'kafkajs/src/protocol/decoder.js'
import { RecordReader } from './record-reader.js'
import {
  CREATE_TIME,
  LOG_APPEND_TIME,
  type ReadHeader,
  type RecordBatchDecoderFunction,
  type RecordDecoderFunction,
  type RecordDecoderLike,
} from './types.js'

/** A record batch's header, up to its record count (kafkajs reads the fields in this order). */
const BATCH = {
  length: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  attributes: 21,
  lastOffsetDelta: 23,
  firstTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  firstSequence: 53,
  count: 57,
  records: 61,
} as const
const COMPRESSION_CODEC_MASK = 0x07
const TIMESTAMP_TYPE_FLAG_MASK = 0x08
const TRANSACTIONAL_FLAG_MASK = 0x10
const CONTROL_FLAG_MASK = 0x20

/**
 * kafkajs's record batch decoder (protocol/recordBatch/v0/decoder.js) for an uncompressed
 * batch, reading each record in place with a {@link RecordReader}: kafkajs copies out a
 * Buffer and makes a decoder for every record before reading it (about 100 ns a record here).
 * Everything else is left to kafkajs's own (`original`): compressed batches (whose records it
 * then reads with the faster record decoder), a batch cut off at the end of a fetch (kafkajs
 * throws the error that ends its fetch loop), and anything whose lengths do not add up. A
 * record the reader leaves goes to kafkajs's record decoder (`originalRecord`) on a decoder of
 * its own bytes, as kafkajs would give it. The result is kafkajs's, field for field, which the
 * unit tests check.
 */
export function fasterRecordBatchDecoder(
  original: RecordBatchDecoderFunction,
  originalRecord: RecordDecoderFunction,
  readHeader: ReadHeader,
): RecordBatchDecoderFunction {
  const reader = new RecordReader(readHeader)
  const DecoderClass = Decoder as unknown as new (buffer: Buffer) => RecordDecoderLike
  return async function decodeRecordBatch(fetchDecoder) {
    const { buffer, offset: at } = fetchDecoder
    if (at < 0 || at + BATCH.records > buffer.length) return original(fetchDecoder)
    const length = buffer.readInt32BE(at + BATCH.length)
    const end = at + BATCH.partitionLeaderEpoch + length
    const attributes = buffer.readInt16BE(at + BATCH.attributes)
    const count = buffer.readInt32BE(at + BATCH.count)
    if (end > buffer.length || at + BATCH.records > end || (attributes & COMPRESSION_CODEC_MASK) !== 0 || count < -1)
      return original(fetchDecoder)
    const context = {
      firstOffset: buffer.readBigInt64BE(at).toString(),
      firstTimestamp: buffer.readBigInt64BE(at + BATCH.firstTimestamp).toString(),
      partitionLeaderEpoch: buffer.readInt32BE(at + BATCH.partitionLeaderEpoch),
      inTransaction: (attributes & TRANSACTIONAL_FLAG_MASK) > 0,
      isControlBatch: (attributes & CONTROL_FLAG_MASK) > 0,
      lastOffsetDelta: buffer.readInt32BE(at + BATCH.lastOffsetDelta),
      producerId: buffer.readBigInt64BE(at + BATCH.producerId).toString(),
      producerEpoch: buffer.readInt16BE(at + BATCH.producerEpoch),
      firstSequence: buffer.readInt32BE(at + BATCH.firstSequence),
      maxTimestamp: buffer.readBigInt64BE(at + BATCH.maxTimestamp).toString(),
      timestampType: (attributes & TIMESTAMP_TYPE_FLAG_MASK) > 0 ? LOG_APPEND_TIME : CREATE_TIME,
    }
    const batchContext = { ...context, magicByte: buffer.readInt8(at + BATCH.magic) }
    const records: unknown[] = new Array(Math.max(0, count))
    let position = at + BATCH.records
    for (let i = 0; i < count; i++) {
      const recordLength = reader.lengthAt(buffer, position, end)
      const start = reader.end
      if (recordLength < 0 || start + recordLength > end) return original(fetchDecoder)
      position = start + recordLength
      records[i] =
        reader.read(buffer, start, position, batchContext) ?? originalRecord(new DecoderClass(buffer.slice(start, position)), batchContext)
    }
    fetchDecoder.offset = end
    return { ...context, records }
  }
}
