// kafkajs's own record modules, loaded as they are, for the unit tests of karafka-ts's
// replacements (src/kafka/records/): nothing here replaces them, so each result of a
// replacement is compared with what kafkajs itself gives for the same bytes.
import { createRequire } from 'node:module'
import type {
  BatchContext,
  ReadHeader,
  RecordBatchDecoderFunction,
  RecordDecoderFunction,
  RecordDecoderLike,
} from '../../src/kafka/records/types.js'

const require = createRequire(import.meta.url)
export const originalDecoder = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as RecordDecoderFunction
export const originalBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as RecordBatchDecoderFunction
export const readHeader = require('kafkajs/src/protocol/recordBatch/header/v0/decoder.js') as ReadHeader
export const Long = require('kafkajs/src/utils/long.js') as { fromValue(value: unknown): { gte(other: unknown): boolean } }
export const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => RecordDecoderLike
export const Encoder = require('kafkajs/src/protocol/encoder.js') as new () => KafkajsEncoder
export const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (options: object) => { buffer: Buffer }
export const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (options: object) => Promise<{ buffer: Buffer }>
}
export const { Types: Compression } = require('kafkajs/src/protocol/message/compression/index.js') as { Types: { GZIP: number } }

/** kafkajs's encoder, as far as the tests write with it. */
export interface KafkajsEncoder {
  writeInt8(value: number): KafkajsEncoder
  writeVarInt(value: number): KafkajsEncoder
  writeVarLong(value: number): KafkajsEncoder
  writeVarIntString(value: string): KafkajsEncoder
  writeVarIntBytes(value: Buffer | null): KafkajsEncoder
  buffer: Buffer
}

export interface RecordSpec {
  offsetDelta: number
  timestampDelta: number | bigint
  key: Buffer | null
  value: Buffer | null
  headers?: Record<string, Buffer | Buffer[]>
}

/** The record's bytes as a record batch holds them, without the length in front (what the record decoder reads). */
export const recordBytes = (spec: RecordSpec): Buffer => new Decoder(Record(spec).buffer).readVarIntBytes()!

/** A record batch's context as kafkajs's batch decoder gives it to the record decoder. */
export const context = (firstOffset: string, firstTimestamp: string, extra: Partial<BatchContext> = {}): BatchContext => ({
  firstOffset,
  firstTimestamp,
  magicByte: 2,
  isControlBatch: false,
  timestampType: 0,
  maxTimestamp: '1733400009999',
  ...extra,
})
