import { type InspectOptions, inspect } from 'node:util'
// A static import, so that esbuild bundles it into Lambda functions with the rest of kafkajs.
import Decoder from 'kafkajs/src/protocol/decoder.js'
import { type BatchContext, type DecodedRecord, NULL, type ReadHeader, type RecordDecoderLike } from './types.js'

/** Where a record's key, value and headers are in the fetched bytes. */
export interface RecordBytes {
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

/** What a FetchedRecord holds for a field not made (nor assigned) yet. */
const NOT_MADE = Symbol('not made')

/**
 * A record as kafkajs's record decoder gives it, whose key, value and headers are made from
 * the fetched bytes when first read (then kept, so that a record gives the same Buffer every
 * time, as a plain one does). They are accessors on the prototype: reading, assigning,
 * `JSON.stringify` and `console.log` work as on kafkajs's plain objects; `{ ...record }` and
 * `Object.keys` see only the other fields.
 */
export class FetchedRecord {
  readonly #bytes: RecordBytes
  // What was made or assigned; NOT_MADE until then (an assigned undefined is kept, as on a plain object).
  #key: Buffer | null | typeof NOT_MADE = NOT_MADE
  #value: Buffer | null | typeof NOT_MADE = NOT_MADE
  #headers: Record<string, unknown> | typeof NOT_MADE = NOT_MADE

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
    if (this.#key === NOT_MADE) this.#key = this.#slice(this.#bytes.keyStart, this.#bytes.keyLength)
    return this.#key
  }
  set key(key: Buffer | null) {
    this.#key = key
  }

  get value(): Buffer | null {
    if (this.#value === NOT_MADE) this.#value = this.#slice(this.#bytes.valueStart, this.#bytes.valueLength)
    return this.#value
  }
  set value(value: Buffer | null) {
    this.#value = value
  }

  get headers(): Record<string, unknown> {
    if (this.#headers === NOT_MADE) {
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
    if (this.#value !== NOT_MADE) return this.#value == null ? null : this.#value.toString('utf8')
    return this.#text(this.#bytes.valueStart, this.#bytes.valueLength)
  }

  /** Whether the key reads as `text` in UTF-8 (null: whether it is null), ASCII compared in place byte by byte. */
  keyEquals(text: string | null): boolean {
    if (this.#key !== NOT_MADE) return this.#key == null ? text === null : text !== null && this.#key.toString('utf8') === text
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
    if (this.#headers !== NOT_MADE) return this.#headers != null && Object.keys(this.#headers).length > 0
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
