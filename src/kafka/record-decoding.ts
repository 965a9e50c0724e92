import { createRequire } from 'node:module'
// Static imports, so that esbuild bundles them into Lambda functions with the rest of kafkajs.
import Decoder from 'kafkajs/src/protocol/decoder.js'
import Long from 'kafkajs/src/utils/long.js'
import { type FilterAborted, fasterBatch, type LongLike } from './records/fetch-batch.js'
import { fasterRecordBatchDecoder } from './records/record-batch-decoder.js'
import { FAST_VARLONG_BYTES, fasterRecordDecoder } from './records/record-reader.js'
import type { RecordBatchDecoderFunction, RecordDecoderFunction } from './records/types.js'

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

/** kafkajs's modules that {@link useFasterRecordModules} puts its own in place of, under kafkajs/src/. */
const REPLACED = {
  recordDecoder: 'protocol/recordBatch/record/v0/decoder.js',
  recordBatchDecoder: 'protocol/recordBatch/v0/decoder.js',
  batch: 'consumer/batch.js',
}
/** The modules that load them once, and keep what they got. */
const LOADERS = [REPLACED.recordBatchDecoder, 'protocol/requests/fetch/v4/decodeMessages.js', 'consumer/consumerGroup.js']

/**
 * Puts {@link fasterRecordDecoder}, {@link fasterRecordBatchDecoder} and {@link fasterBatch} in
 * the place of kafkajs's own modules in Node's module cache (src/kafka/records/ says what each
 * does differently). kafkajs's modules take each other once, when they load, so this
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
