// The shapes of kafkajs's record decoding that karafka-ts's replacements take and give (kafkajs ships no types for them).

/** A record as kafkajs's record decoder gives it (kafkajs/src/protocol/recordBatch/record/v0/decoder.js). */
export interface DecodedRecord {
  magicByte: number
  attributes: number
  timestamp: string
  offset: string
  key: Buffer | null
  value: Buffer | null
  headers: Record<string, unknown>
  isControlRecord: boolean
  batchContext: BatchContext
}

/** What kafkajs's record batch decoder passes to its record decoder, as far as the record decoder reads it. */
export interface BatchContext {
  firstOffset?: string
  firstTimestamp?: string
  magicByte?: number
  isControlBatch?: boolean
  timestampType?: number
  maxTimestamp?: string
}

export interface RecordDecoderLike {
  buffer: Buffer
  offset: number
  readVarInt(): number
  readVarIntBytes(): Buffer | null
  readVarIntArray<T>(reader: (decoder: RecordDecoderLike) => T): T[]
}

export type RecordDecoderFunction = (decoder: RecordDecoderLike, batchContext?: BatchContext) => DecodedRecord

/** kafkajs's header decoder (protocol/recordBatch/header/v0/decoder.js). */
export type ReadHeader = (decoder: RecordDecoderLike) => { key: string; value: Buffer | null }

/** What kafkajs's record batch decoder gives: the batch's context (less its magic byte) and its records. */
export type RecordBatchDecoderFunction = (decoder: RecordDecoderLike) => Promise<Record<string, unknown> & { records: unknown[] }>

export const CREATE_TIME = 0
export const LOG_APPEND_TIME = 1
/** The length a byte string's varint gives for null. */
export const NULL = -1
