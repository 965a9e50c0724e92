import { createRequire } from 'node:module'
import { type InspectOptions, inspect } from 'node:util'
// Static imports, so that esbuild bundles them into Lambda functions with the rest of kafkajs.
import Decoder from 'kafkajs/src/protocol/decoder.js'
import Long from 'kafkajs/src/utils/long.js'

/** Varlongs of up to this many bytes hold under 2^49: exact in a double, so they are decoded without BigInt. */
const FAST_VARLONG_BYTES = 7

/**
 * kafkajs 2.2.4 (its last release) decodes each record of a fetched batch with BigInt
 * arithmetic on its `Long` class: it parses the batch's base offset and base timestamp from
 * their strings again for every record, and its timestamp delta (a zigzag varlong, one or two
 * bytes for records produced together) takes about ten BigInt operations. That was a seventh
 * of a consumer's time here. This gives the same values with less work, for every consumer of
 * the process:
 * - `Long.fromString` remembers the last two strings it parsed (the record decoder asks for
 *   the same two, the batch's base timestamp and base offset, once per record). Its Longs are
 *   never changed after they are made (every operation returns a new one), so sharing one is safe.
 * - `Decoder#readVarLong` decodes a varlong of up to 7 bytes with numbers (exact below 2^53)
 *   and leaves longer ones, and anything unusual, to kafkajs's own code.
 * The unit tests compare both against kafkajs's originals over edge values and random ones.
 * Returns false when already applied.
 */
export function speedUpRecordDecoding(): boolean {
  const longClass = Long as unknown as LongClass & { [PATCHED]?: true }
  if (longClass[PATCHED]) return false
  longClass.fromString = rememberLastTwo(longClass.fromString.bind(longClass))
  const proto = (Decoder as unknown as { prototype: DecoderLike }).prototype
  const readVarLong = proto.readVarLong
  proto.readVarLong = function fastReadVarLong(this: DecoderLike) {
    const { buffer } = this
    let at = this.offset
    let raw = 0
    let scale = 1
    for (let i = 0; i < FAST_VARLONG_BYTES && at < buffer.length; i++) {
      const byte = buffer[at++]!
      raw += (byte & 0x7f) * scale
      if (byte < 0x80) {
        this.offset = at
        // Zigzag: even raw values are the non-negative numbers, odd ones the negative.
        return longClass.fromNumber(raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2)
      }
      scale *= 128
    }
    return readVarLong.call(this)
  }
  longClass[PATCHED] = true
  return true
}

/** `parse` with a memory of its last two answers (kept by string value). */
function rememberLastTwo<T>(parse: (text: string) => T): (text: string) => T {
  // Slots start with a value no string equals, so that nothing unparsed is ever answered from them.
  let lastText: string | typeof EMPTY = EMPTY
  let last: T | undefined
  let previousText: string | typeof EMPTY = EMPTY
  let previous: T | undefined
  return (text) => {
    if (text === lastText) return last!
    if (text === previousText) return previous!
    const value = parse(text)
    previousText = lastText
    previous = last
    lastText = text
    last = value
    return value
  }
}

const EMPTY = Symbol('empty')

interface LongClass {
  fromString(text: string): unknown
  fromNumber(value: number): unknown
}

interface DecoderLike {
  buffer: Buffer
  offset: number
  readVarLong(): unknown
}

const PATCHED = Symbol.for('karafka-ts.recordDecoding')

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

const CREATE_TIME = 0
const LOG_APPEND_TIME = 1
/** Timestamp deltas whose text is kept per record batch (records produced together are milliseconds apart). */
const KEPT_STAMPS = 64

type ReadHeader = (decoder: RecordDecoderLike) => { key: string; value: Buffer | null }

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
  /** Where the last record read ended. */
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
    // The timestamp delta: a zigzag varlong, read as in readVarLong's fast path above.
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

/** The length a byte string's varint gives for null. */
const NULL = -1
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

/** Where a record's key, value and headers are in the fetched bytes. */
interface RecordBytes {
  buffer: Buffer
  keyStart: number
  /** {@link NULL} for a null key. */
  keyLength: number
  valueStart: number
  valueLength: number
  /** Where the headers' count is. */
  headersAt: number
  readHeader: ReadHeader
}

/**
 * A record as kafkajs's record decoder gives it, whose key, value and headers are made from
 * the fetched bytes when first read (then kept, so that a record gives the same Buffer every
 * time, as a plain one does). They are accessors on the prototype: reading, assigning,
 * `JSON.stringify` and `console.log` work as on kafkajs's plain objects; `{ ...record }` and
 * `Object.keys` see only the other fields.
 */
export class FetchedRecord {
  readonly #bytes: RecordBytes
  #key: Buffer | null | undefined
  #value: Buffer | null | undefined
  #headers: Record<string, unknown> | undefined

  constructor(
    public magicByte: number,
    public attributes: number,
    public timestamp: string,
    public offset: string,
    public isControlRecord: boolean,
    public batchContext: BatchContext,
    bytes: RecordBytes,
  ) {
    this.#bytes = bytes
  }

  get key(): Buffer | null {
    if (this.#key === undefined) this.#key = this.#slice(this.#bytes.keyStart, this.#bytes.keyLength)
    return this.#key
  }
  set key(key: Buffer | null) {
    this.#key = key
  }

  get value(): Buffer | null {
    if (this.#value === undefined) this.#value = this.#slice(this.#bytes.valueStart, this.#bytes.valueLength)
    return this.#value
  }
  set value(value: Buffer | null) {
    this.#value = value
  }

  get headers(): Record<string, unknown> {
    if (this.#headers === undefined) {
      const decoder = new (Decoder as unknown as new (buffer: Buffer) => RecordDecoderLike)(this.#bytes.buffer)
      decoder.offset = this.#bytes.headersAt
      const list = decoder.readVarIntArray(this.#bytes.readHeader)
      this.#headers = list.length === 0 ? {} : collectHeaders(list)
    }
    return this.#headers
  }
  set headers(headers: Record<string, unknown>) {
    this.#headers = headers
  }

  /** The value as UTF-8 text, or null, without making a Buffer of it (unless one was made or assigned already). */
  valueText(): string | null {
    if (this.#value !== undefined) return this.#value === null ? null : this.#value.toString('utf8')
    return this.#text(this.#bytes.valueStart, this.#bytes.valueLength)
  }

  /** Whether the key reads as `text` in UTF-8 (null: whether it is null), ASCII compared in place byte by byte. */
  keyEquals(text: string | null): boolean {
    if (this.#key !== undefined) return this.#key === null ? text === null : text !== null && this.#key.toString('utf8') === text
    const { buffer, keyStart: start, keyLength: length } = this.#bytes
    if (length === NULL || text === null) return length === NULL && text === null
    if (length !== text.length) return length > text.length && this.#text(start, length) === text
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i)
      if (code > 0x7f) return this.#text(start, length) === text
      if (buffer[start + i] !== code) return false
    }
    return true
  }

  /** False when the record has no header (its count is 0 or -1, zigzag 0 or 1) and none were assigned. */
  get mayHaveHeaders(): boolean {
    if (this.#headers !== undefined) return Object.keys(this.#headers).length > 0
    const count = this.#bytes.buffer[this.#bytes.headersAt]
    return count !== 0 && count !== 1
  }

  /** The record as kafkajs's decoder gives it: a plain object, every field made. */
  toJSON(): DecodedRecord {
    const { magicByte, attributes, timestamp, offset, key, value, headers, isControlRecord, batchContext } = this
    return { magicByte, attributes, timestamp, offset, key, value, headers, isControlRecord, batchContext }
  }

  [inspect.custom](_depth: number, options: InspectOptions): string {
    return inspect(this.toJSON(), options)
  }

  /** A byte string as kafkajs's readVarIntBytes gives it: a view of the fetched bytes, or null. */
  #slice(start: number, length: number): Buffer | null {
    return length === NULL ? null : this.#bytes.buffer.slice(start, start + length)
  }

  #text(start: number, length: number): string | null {
    return length === NULL ? null : this.#bytes.buffer.toString('utf8', start, start + length)
  }
}

/**
 * Headers as kafkajs gathers them: by name in order of first appearance, a repeated name's
 * values in an array (kafkajs reads an existing value through the prototype, so a header named
 * like an Object method starts an array with that method: kept as it is, being what consumers get).
 */
function collectHeaders(list: { key: string; value: Buffer | null }[]): Record<string, unknown> {
  const headers: Record<string, unknown> = {}
  for (const { key, value } of list) {
    const current = headers[key]
    const next = current === undefined ? value : Array.isArray(current) ? current.concat([value]) : [current, value]
    // A computed key in kafkajs's object literal makes an own property even for __proto__, which assignment would not.
    if (key === '__proto__') Object.defineProperty(headers, key, { value: next, enumerable: true, writable: true, configurable: true })
    else headers[key] = next
  }
  return headers
}

/** The number a decimal string of kafkajs's stands for when it is an integer exact in a double (it prints back the same), else NaN. */
function exactInteger(text: string | undefined): number {
  if (typeof text !== 'string') return Number.NaN
  const value = Number(text)
  return Number.isSafeInteger(value) && `${value}` === text ? value : Number.NaN
}

/** What kafkajs's record batch decoder gives: the batch's context (less its magic byte) and its records. */
export type RecordBatchDecoderFunction = (decoder: RecordDecoderLike) => Promise<Record<string, unknown> & { records: unknown[] }>

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
    if (at + BATCH.records > buffer.length) return original(fetchDecoder)
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
      const recordLength = varInt(buffer, position, end)
      const start = varIntEnd
      if (start < 0 || recordLength < 0 || start + recordLength > end) return original(fetchDecoder)
      position = start + recordLength
      records[i] =
        reader.read(buffer, start, position, batchContext) ?? originalRecord(new DecoderClass(buffer.slice(start, position)), batchContext)
    }
    fetchDecoder.offset = end
    return { ...context, records }
  }
}

interface FetchedMessage {
  offset: string
  isControlRecord?: boolean
}

interface PartitionData {
  partition: number
  highWatermark: string
  abortedTransactions?: unknown[]
  messages: FetchedMessage[]
}

type FilterAborted = (options: { messages: FetchedMessage[]; abortedTransactions?: unknown[] }) => FetchedMessage[]

interface LongLike {
  fromValue(value: unknown): { gte(other: unknown): boolean }
}

/**
 * kafkajs's fetch Batch with its offset filter in numbers: kafkajs keeps the messages at or
 * after the fetched offset by parsing every message's offset with BigInt (about 100 ns a
 * message here). Offsets under 2^53 are compared as numbers; larger ones as kafkajs does.
 * Everything else is kafkajs's: its aborted-transaction filter, and its methods, on the
 * prototype this constructor shares with kafkajs's class (so `instanceof` still holds).
 */
export function fasterBatch(OriginalBatch: { prototype: object }, filterAbortedMessages: FilterAborted, Long: LongLike): object {
  function Batch(this: Record<string, unknown>, topic: string, fetchedOffset: string, partitionData: PartitionData) {
    this.fetchedOffset = fetchedOffset
    const { abortedTransactions, messages } = partitionData
    this.topic = topic
    this.partition = partitionData.partition
    this.highWatermark = partitionData.highWatermark
    this.rawMessages = messages
    const from = exactInteger(`${fetchedOffset}`)
    const within = Number.isNaN(from)
      ? messages.filter((message) => Long.fromValue(message.offset).gte(Long.fromValue(fetchedOffset)))
      : messages.filter((message) => {
          const offset = Number(message.offset)
          return Number.isSafeInteger(offset) ? offset >= from : Long.fromValue(message.offset).gte(Long.fromValue(fetchedOffset))
        })
    this.messagesWithinOffset = within
    this.messages = filterAbortedMessages({ messages: within, abortedTransactions }).filter((message) => !message.isControlRecord)
  }
  Batch.prototype = OriginalBatch.prototype
  return Batch
}

/** kafkajs's modules that {@link useFasterRecordModules} puts its own in place of, under kafkajs/src/. */
const REPLACED = {
  recordDecoder: 'protocol/recordBatch/record/v0/decoder.js',
  recordBatchDecoder: 'protocol/recordBatch/v0/decoder.js',
  batch: 'consumer/batch.js',
}
/** The modules that load them once, and keep what they got. */
const LOADERS = [REPLACED.recordBatchDecoder, 'protocol/requests/fetch/v4/decodeMessages.js', 'consumer/consumerGroup.js']

/**
 * Puts {@link fasterRecordDecoder}, {@link fasterRecordBatchDecoder} and {@link fasterBatch} in the place of kafkajs's own modules
 * in Node's module cache. kafkajs's modules take each other once, when they load, so this
 * must run before kafkajs itself loads: src/kafka/kafkajs.ts imports the module that calls it
 * before kafkajs, and every module of karafka-ts takes kafkajs from there. When something
 * loaded kafkajs first (an app that imports kafkajs before karafka-ts), it is too late: kafkajs
 * keeps its own modules, with the patches of {@link speedUpRecordDecoding} only. A Lambda bundle
 * holds its own copy of kafkajs, out of Node's module cache: nothing to do there (its functions
 * get their records from the invoker, not from a kafkajs consumer).
 */
export function useFasterRecordModules(): 'replaced' | 'already' | 'too late' | 'bundled' {
  const require = createRequire(import.meta.url)
  const resolve = kafkajsResolver(require)
  // In a bundle, this module's kafkajs is the bundle's own copy, whether or not one is on disk too.
  if (!resolve || require(resolve('protocol/decoder.js')) !== Decoder) return 'bundled'
  const cache = require.cache
  if (fasterRecordModulesInUse()) return 'already'
  if (LOADERS.some((path) => cache[resolve(path)] !== undefined)) return 'too late'
  const originalDecoder = require(resolve(REPLACED.recordDecoder)) as RecordDecoderFunction
  const readHeader = require(resolve('protocol/recordBatch/header/v0/decoder.js'))
  const OriginalBatch = require(resolve(REPLACED.batch))
  const filterAborted = require(resolve('consumer/filterAbortedMessages.js')) as FilterAborted
  const LongClass = require(resolve('utils/long.js')) as LongLike
  const batch = fasterBatch(OriginalBatch, filterAborted, LongClass) as { [PATCHED]?: true }
  batch[PATCHED] = true
  cache[resolve(REPLACED.recordDecoder)]!.exports = fasterRecordDecoder(originalDecoder, readHeader)
  // kafkajs's own batch decoder, loaded now, takes the faster record decoder (for the compressed batches it is left).
  const originalBatchDecoder = require(resolve(REPLACED.recordBatchDecoder)) as RecordBatchDecoderFunction
  cache[resolve(REPLACED.recordBatchDecoder)]!.exports = fasterRecordBatchDecoder(originalBatchDecoder, originalDecoder, readHeader)
  cache[resolve(REPLACED.batch)]!.exports = batch
  return 'replaced'
}

/** Whether kafkajs's consumers (of the kafkajs that karafka-ts resolves) use {@link fasterBatch} and {@link fasterRecordDecoder}. */
export function fasterRecordModulesInUse(): boolean {
  const require = createRequire(import.meta.url)
  const resolve = kafkajsResolver(require)
  return Boolean(resolve && require.cache[resolve(REPLACED.batch)]?.exports[PATCHED])
}

/** Paths of kafkajs's modules (under kafkajs/src/) as Node resolves them from here, or undefined where there is no kafkajs on disk. */
function kafkajsResolver(require: NodeJS.Require): ((path: string) => string) | undefined {
  try {
    const root = require.resolve(`kafkajs/src/${REPLACED.batch}`).slice(0, -REPLACED.batch.length)
    return (path) => root + path
  } catch {
    return undefined
  }
}
