import { FetchedRecord } from './fetched-record.js'
import { type BatchContext, type DecodedRecord, LOG_APPEND_TIME, NULL, type ReadHeader, type RecordDecoderFunction } from './types.js'

/** Varlongs of up to this many bytes hold under 2^49: exact in a double, so they are decoded without BigInt. */
export const FAST_VARLONG_BYTES = 7
/** Timestamp deltas whose text is kept per record batch (records produced together are milliseconds apart). */
const KEPT_STAMPS = 64

/**
 * Reads records of a record batch as kafkajs's record decoder does, with numbers where it
 * uses BigInt, and without building the key, value and headers until they are read:
 * - The offset and the timestamp of a record are its batch's base offset and base timestamp
 *   (strings) plus small deltas, which kafkajs parses, adds and prints with BigInt for every
 *   record (about 190 ns of the 350 a record took here). This parses the bases once per record
 *   batch, adds in doubles while every figure is an exact integer (below 2^53), and keeps the
 *   text of each timestamp delta it printed for the batch (records produced together share a
 *   handful).
 * - kafkajs makes a Buffer for the key and the value, and a string, a Buffer and two objects
 *   for each header, of every record it reads (a Buffer costs about 80 ns here). This gives a
 *   {@link FetchedRecord} instead, which knows where they are and makes them when first read;
 *   the poller reads the value as text and compares the key without ever making them.
 * A record it cannot read this way (a base or a sum past 2^53, a timestamp delta longer than
 * 7 bytes, a length that is neither -1 nor within the record, a header without a name) it
 * leaves to kafkajs's decoder. Every field reads as kafkajs's own decoder gives it, which the
 * unit tests check record by record.
 */
export class RecordReader {
  #context: BatchContext | undefined
  #baseOffset = Number.NaN
  #baseTimestamp = Number.NaN
  #stamps: string[] = []
  /** Where the last record (or record length) read ended. */
  end = 0

  constructor(private readonly readHeader: ReadHeader) {}

  /** The record whose bytes are `buffer[start, end)`, or undefined when kafkajs's decoder must read it. */
  read(buffer: Buffer, start: number, end: number, batchContext: BatchContext): FetchedRecord | undefined {
    if (batchContext !== this.#context) {
      this.#context = batchContext
      this.#baseOffset = exactInteger(batchContext.firstOffset)
      this.#baseTimestamp = exactInteger(batchContext.firstTimestamp)
      this.#stamps = []
    }
    if (Number.isNaN(this.#baseOffset) || Number.isNaN(this.#baseTimestamp) || start >= end) return undefined
    let at = start
    const attributes = (buffer[at++]! << 24) >> 24
    // The timestamp delta: a zigzag varlong, read as in the readVarLong of speedUpRecordDecoding (../record-decoding.ts).
    let raw = 0
    let scale = 1
    let byte = 0x80
    for (let i = 0; i < FAST_VARLONG_BYTES && at < end; i++) {
      byte = buffer[at++]!
      raw += (byte & 0x7f) * scale
      if (byte < 0x80) break
      scale *= 128
    }
    if (byte >= 0x80) return undefined
    const timestampDelta = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2
    const offset = this.#baseOffset + varInt(buffer, at, end)
    const timestamp = this.#baseTimestamp + timestampDelta
    at = varIntEnd
    const keyLength = varInt(buffer, at, end)
    const keyStart = varIntEnd
    at = skip(keyStart, keyLength, end)
    const valueLength = varInt(buffer, at, end)
    const valueStart = varIntEnd
    at = skip(valueStart, valueLength, end)
    const headersAt = at
    const count = varInt(buffer, at, end)
    at = count >= NULL ? varIntEnd : UNREADABLE
    for (let i = 0; i < count && at >= 0; i++) {
      // A header without a name is named "null" by kafkajs: left to it.
      const nameLength = varInt(buffer, at, end)
      at = nameLength === NULL ? UNREADABLE : skip(varIntEnd, nameLength, end)
      const headerLength = varInt(buffer, at, end)
      at = skip(varIntEnd, headerLength, end)
    }
    if (at < 0 || !Number.isSafeInteger(offset) || !Number.isSafeInteger(timestamp)) return undefined
    this.end = at
    const { magicByte, isControlBatch = false, timestampType, maxTimestamp } = batchContext
    return new FetchedRecord(
      magicByte!,
      attributes,
      timestampType === LOG_APPEND_TIME && maxTimestamp ? maxTimestamp : this.#stampText(timestampDelta, timestamp),
      `${offset}`,
      isControlBatch,
      batchContext,
      { buffer, keyStart, keyLength, valueStart, valueLength, headersAt, readHeader: this.readHeader },
    )
  }

  /** The length in front of a record of a batch at `at` (a zigzag varint before `end`), or less than 0 when it cannot be read; sets {@link end} past it. */
  lengthAt(buffer: Buffer, at: number, end: number): number {
    const length = varInt(buffer, at, end)
    this.end = varIntEnd
    return varIntEnd < 0 ? UNREADABLE : length
  }

  #stampText(delta: number, timestamp: number): string {
    if (delta < 0 || delta >= KEPT_STAMPS) return `${timestamp}`
    let text = this.#stamps[delta]
    if (text === undefined) {
      text = `${timestamp}`
      this.#stamps[delta] = text
    }
    return text
  }
}

/** What {@link varInt} and {@link skip} answer for what kafkajs's decoder would not read as intended. */
const UNREADABLE = -2
/** Where the varint {@link varInt} read last ends ({@link UNREADABLE} when it could not). */
let varIntEnd = 0

/**
 * The zigzag varint at `at`, computed as kafkajs's readVarInt computes it, when it has at most
 * 5 bytes, all before `end`; otherwise {@link UNREADABLE}. Sets {@link varIntEnd}.
 */
function varInt(buffer: Buffer, at: number, end: number): number {
  if (at >= 0) {
    let result = 0
    for (let shift = 0; shift < 35 && at < end; shift += 7) {
      const byte = buffer[at++]!
      result += (byte & 0x7f) << shift
      if (byte < 0x80) {
        varIntEnd = at
        return (result >>> 1) ^ -(result & 1)
      }
    }
  }
  varIntEnd = UNREADABLE
  return UNREADABLE
}

/** Where a byte string of `length` bytes from `start` ends: null takes none; a length past `end`, or below -1, is {@link UNREADABLE}. */
function skip(start: number, length: number, end: number): number {
  if (start < 0 || length < NULL || start + length > end) return UNREADABLE
  return length === NULL ? start : start + length
}

/**
 * kafkajs's record decoder (protocol/recordBatch/record/v0/decoder.js), reading with a
 * {@link RecordReader} and handing what that leaves to kafkajs's own (`original`).
 */
export function fasterRecordDecoder(original: RecordDecoderFunction, readHeader: ReadHeader): RecordDecoderFunction {
  const reader = new RecordReader(readHeader)
  return function decodeRecord(decoder, batchContext = {}) {
    const record = reader.read(decoder.buffer, decoder.offset, decoder.buffer.length, batchContext)
    if (record === undefined) return original(decoder, batchContext)
    decoder.offset = reader.end
    return record as unknown as DecodedRecord
  }
}

/** The number a decimal string of kafkajs's stands for when it is an integer exact in a double (it prints back the same), else NaN. */
export function exactInteger(text: string | undefined): number {
  if (typeof text !== 'string') return Number.NaN
  const value = Number(text)
  return Number.isSafeInteger(value) && `${value}` === text ? value : Number.NaN
}
