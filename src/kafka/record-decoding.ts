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
