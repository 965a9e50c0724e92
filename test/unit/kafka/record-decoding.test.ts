import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { describe, it } from 'node:test'
import { speedUpRecordDecoding } from '../../../src/kafka/record-decoding.js'

// kafkajs's own modules (the same files its consumers use), taken before the patch so that
// the originals can be called beside the patched ones.
const require = createRequire(import.meta.url)
interface LongValue {
  value: bigint
  toString(): string
}
const Long = require('kafkajs/src/utils/long.js') as { fromString(text: string): LongValue; fromValue(value: unknown): LongValue }
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => { offset: number; readVarLong(): LongValue }
const Encoder = require('kafkajs/src/protocol/encoder.js') as new () => { writeVarLong(value: bigint | number): unknown; buffer: Buffer }
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (options: object) => Promise<{ buffer: Buffer }>
}
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (options: object) => unknown
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (decoder: object) => Promise<{
  records: { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers: object }[]
}>

const patchedAlready = Symbol.for('karafka-ts.recordDecoding') in Long
const originalFromString = Long.fromString.bind(Long)
const originalReadVarLong = Decoder.prototype.readVarLong
// Patched here, once the originals are kept, so that every test below compares with them whichever of them runs.
const appliedHere = speedUpRecordDecoding()

const encodeVarLong = (value: bigint) => {
  const encoder = new Encoder()
  encoder.writeVarLong(value)
  return encoder.buffer
}

/**
 * Decodes `buffer` from the start with kafkajs's readVarLong as it was, and with the patched one: values and bytes read.
 * Callers put a byte after the varlong, so that a patch that reads past its end shows rather than falling back to kafkajs at the buffer's end.
 */
function bothWays(buffer: Buffer): [{ value: bigint; read: number }, { value: bigint; read: number }] {
  const before = new Decoder(buffer)
  const original = originalReadVarLong.call(before)
  const after = new Decoder(buffer)
  const patched = after.readVarLong()
  return [
    { value: original.value, read: before.offset },
    { value: patched.value, read: after.offset },
  ]
}

describe("kafkajs's record decoding", () => {
  it('applies once', () => {
    assert.equal(patchedAlready, false, 'patched before this file could keep the originals to compare with')
    assert.equal(appliedHere, true)
    assert.equal(speedUpRecordDecoding(), false)
    assert.notEqual(Decoder.prototype.readVarLong, originalReadVarLong)
  })

  it('reads every varlong as kafkajs does, on each side of the 7-byte fast path and at the 64-bit limits', () => {
    const edges = [
      0n,
      1n,
      -1n,
      63n,
      -64n,
      64n,
      8191n,
      -8192n,
      2n ** 48n - 1n,
      -(2n ** 48n),
      2n ** 48n,
      2n ** 53n,
      2n ** 63n - 1n,
      -(2n ** 63n),
    ]
    const random = Array.from({ length: 2_000 }, () => BigInt.asIntN(64, randomBytes(8).readBigInt64LE() >> BigInt(randomInt(0, 64))))
    for (const value of [...edges, ...random]) {
      const [original, patched] = bothWays(Buffer.concat([encodeVarLong(value), Buffer.from([0x01])]))
      assert.deepEqual(patched, original, `varlong ${value}`)
      assert.equal(patched.value, value)
    }
  })

  it('reads a varlong inside a longer buffer, and a truncated one, as kafkajs does', () => {
    const inside = Buffer.concat([encodeVarLong(-1234567n), Buffer.from([0xff, 0x01])])
    const [original, patched] = bothWays(inside)
    assert.deepEqual(patched, original)
    // Cut short: the last byte still says "more follows".
    const truncated = encodeVarLong(2n ** 40n).subarray(0, 3)
    assert.deepEqual(bothWays(truncated)[1], bothWays(truncated)[0])
  })

  it('parses strings as kafkajs does, across calls that alternate between two and more strings', () => {
    // Nothing that is not a string is answered from the memory, not even before it holds anything (no test before this one parses a string).
    assert.throws(() => (Long.fromString as (text: unknown) => unknown)(undefined), TypeError)
    const texts = ['0', '1733400000000', '9223372036854775807', '-9223372036854775808', 'NaN', '42', '1733400000000', '42', '7']
    for (let round = 0; round < 3; round++)
      for (const text of texts) assert.equal(Long.fromValue(text).value, originalFromString(text).value, `"${text}"`)
    // A string that fails to parse is never remembered: it fails again, also right after a good one.
    for (const text of ['', '', '5', '']) {
      if (text === '') assert.throws(() => Long.fromString(text), /empty string/)
      else assert.equal(Long.fromString(text).value, 5n)
    }
  })

  it('decodes a record batch to the same offsets, timestamps, keys, values and headers', async () => {
    const firstTimestamp = 1_733_400_000_000
    // Deltas of one to five bytes, negative ones, and one past the 7-byte fast path.
    const delta = (i: number) => (i === 299 ? 2 ** 52 : i % 7 === 0 ? -i * 1_000 : i * 37_000_000)
    const records = Array.from({ length: 300 }, (_, i) =>
      Record({
        offsetDelta: i,
        timestampDelta: delta(i),
        key: Buffer.from(`k${i}`),
        value: i % 11 === 0 ? null : Buffer.from(JSON.stringify({ i })),
        headers: i % 5 === 0 ? { trace: Buffer.from(`t${i}`) } : {},
      }),
    )
    const { buffer } = await RecordBatch({ firstOffset: Long.fromValue('9007199254740000'), firstTimestamp, lastOffsetDelta: 299, records })
    const decoded = await decodeRecordBatch(new Decoder(buffer))
    assert.equal(decoded.records.length, 300)
    decoded.records.forEach((record, i) => {
      assert.equal(record.offset, String(9_007_199_254_740_000n + BigInt(i)))
      assert.equal(record.timestamp, String(BigInt(firstTimestamp) + BigInt(delta(i))))
      assert.equal(record.key?.toString(), `k${i}`)
      assert.equal(record.value?.toString() ?? null, i % 11 === 0 ? null : JSON.stringify({ i }))
      assert.deepEqual(Object.keys(record.headers), i % 5 === 0 ? ['trace'] : [])
    })
  })
})

describe("kafkajs's record modules in a process", () => {
  const run = (code: string) => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=karafka-ts-source', '--input-type=module', '-e', code], {
      encoding: 'utf8',
    })
    assert.equal(result.status, 0, result.stderr)
    return result.stdout.trim()
  }

  it("are replaced when karafka-ts's kafkajs loads first, so that its consumers use them", () => {
    const out = run(`
      import { Kafka } from './src/kafka/kafkajs.ts'
      import { fasterRecordModulesInUse, useFasterRecordModules } from './src/kafka/record-decoding.ts'
      import { createRequire } from 'node:module'
      const require = createRequire(import.meta.url)
      new Kafka({ brokers: ['127.0.0.1:1'] }).consumer({ groupId: 'g' })
      const decoder = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js')
      const batchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder.js')
      console.log(typeof Kafka, fasterRecordModulesInUse(), decoder.name, batchDecoder.name, useFasterRecordModules())
    `)
    assert.equal(out, 'function true decodeRecord decodeRecordBatch already')
  })

  it('are left alone when kafkajs loaded first, and the process still runs on kafkajs as it is', () => {
    const out = run(`
      import { createRequire } from 'node:module'
      const require = createRequire(import.meta.url)
      require('kafkajs')
      const { fasterRecordModulesInUse, useFasterRecordModules } = await import('./src/kafka/record-decoding.ts')
      console.log(useFasterRecordModules(), fasterRecordModulesInUse())
    `)
    assert.equal(out, 'too late false')
  })
})

describe("karafka-ts's modules", () => {
  it("take kafkajs's values only from src/kafka/kafkajs.ts, which applies the speed-ups first (types may come from kafkajs)", () => {
    const root = new URL('../../../src/', import.meta.url)
    const direct: string[] = []
    for (const file of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts') || file === path.join('kafka', 'kafkajs.ts')) continue
      const text = readFileSync(new URL(file, root), 'utf8')
      for (const statement of text.match(/^(?:import|export)\b(?:(?!\n(?:import|export)\b)[\s\S])*?from 'kafkajs'/gm) ?? [])
        if (!/^import type\b/.test(statement)) direct.push(`${file}: ${statement.replace(/\s+/g, ' ')}`)
    }
    assert.deepEqual(direct, [])
  })
})
