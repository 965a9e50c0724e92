import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { describe, it } from 'node:test'
import { inspect } from 'node:util'
import {
  type BatchContext,
  type DecodedRecord,
  FetchedRecord,
  fasterBatch,
  fasterRecordBatchDecoder,
  fasterRecordDecoder,
  type RecordBatchDecoderFunction,
  type RecordDecoderFunction,
  type RecordDecoderLike,
} from '../../../src/kafka/record-decoding.js'

// kafkajs's own modules, loaded as they are: nothing here replaces them, so each result of the
// faster record decoder and batch is compared with what kafkajs itself gives for the same bytes.
const require = createRequire(import.meta.url)
const originalDecoder = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as RecordDecoderFunction
const readHeader = require('kafkajs/src/protocol/recordBatch/header/v0/decoder.js')
const OriginalBatch = require('kafkajs/src/consumer/batch.js') as new (
  topic: string,
  fetchedOffset: string,
  data: object,
) => Record<string, unknown>
const filterAborted = require('kafkajs/src/consumer/filterAbortedMessages.js')
const Long = require('kafkajs/src/utils/long.js')
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => { readVarIntBytes(): Buffer }
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (options: object) => { buffer: Buffer }

interface RecordSpec {
  offsetDelta: number
  timestampDelta: number | bigint
  key: Buffer | null
  value: Buffer | null
  headers?: Record<string, Buffer | Buffer[]>
}

/** The record's bytes as a record batch holds them, without the length in front (what the record decoder reads). */
const recordBytes = (spec: RecordSpec) => new Decoder(Record(spec).buffer).readVarIntBytes()

/**
 * Both decoders on the same bytes: the faster one's record (as a plain object, every field read)
 * and kafkajs's, and the bytes each read. What a fetched record answers in place, before any of
 * its fields is made, is checked against kafkajs's record on the way.
 */
function both(decode: RecordDecoderFunction, bytes: Buffer, context: BatchContext) {
  const mine = new Decoder(bytes) as unknown as Parameters<RecordDecoderFunction>[0]
  const theirs = new Decoder(bytes) as unknown as Parameters<RecordDecoderFunction>[0]
  const record = decode(mine, context)
  const kafkajs = originalDecoder(theirs, context)
  if (record instanceof FetchedRecord) checkInPlace(record, kafkajs)
  const faster = record instanceof FetchedRecord ? record.toJSON() : record
  return { faster, kafkajs, read: [mine.offset, theirs.offset], fetched: record instanceof FetchedRecord }
}

function checkInPlace(record: FetchedRecord, kafkajs: DecodedRecord): void {
  const keyText = kafkajs.key === null ? null : kafkajs.key.toString('utf8')
  const candidates = [keyText, null, 'k1', 'k', 'k12', '', 'ké', `${keyText}x`]
  const answers = candidates.map((text) => record.keyEquals(text))
  assert.deepEqual(
    answers,
    candidates.map((text) => text === keyText),
    `key ${keyText}`,
  )
  assert.equal(record.valueText(), kafkajs.value === null ? null : kafkajs.value.toString('utf8'))
  assert.equal(record.mayHaveHeaders, Object.keys(kafkajs.headers).length > 0)
  // Made once: the same Buffers and object every time, as a plain object's.
  assert.equal(record.key, record.key)
  assert.equal(record.value, record.value)
  assert.equal(record.headers, record.headers)
  // Once made, they answer the same.
  assert.deepEqual(
    candidates.map((text) => record.keyEquals(text)),
    answers,
  )
  assert.equal(record.valueText(), kafkajs.value === null ? null : kafkajs.value.toString('utf8'))
}

const context = (firstOffset: string, firstTimestamp: string, extra: Partial<BatchContext> = {}): BatchContext => ({
  firstOffset,
  firstTimestamp,
  magicByte: 2,
  isControlBatch: false,
  timestampType: 0,
  maxTimestamp: '1733400009999',
  ...extra,
})

describe('the faster record decoder', () => {
  it('gives what kafkajs gives, field for field, for keys, values, headers and deltas of every kind', () => {
    const decode = fasterRecordDecoder(originalDecoder, readHeader)
    const headerSets: (Record<string, Buffer | Buffer[]> | undefined)[] = [
      undefined,
      { event_name: Buffer.from('user_created') },
      { a: [Buffer.from('1'), Buffer.from('2'), Buffer.from('3')], b: Buffer.from('x') },
      // Names kafkajs reads through the object's prototype, or that assignment would treat specially.
      Object.defineProperty({ toString: Buffer.from('t'), 7: Buffer.from('n') }, '__proto__', {
        value: Buffer.from('p'),
        enumerable: true,
      }),
    ]
    const deltas = [0, 1, -1, 63, 64, 5_000, -5_000, 2 ** 40, -(2 ** 40), 2 ** 48 - 1, 2 ** 50, 2n ** 62n]
    const contexts = [
      context('0', '1733400000000'),
      context('1234567', '-1'),
      context('9007199254740000', '1733400000000'),
      context('9223372036854775000', '1733400000000'),
      context('42', '9007199254740990'),
      context('42', '1733400000000', { timestampType: 1 }),
      context('42', '1733400000000', { isControlBatch: true }),
    ]
    let cases = 0
    for (const batch of contexts)
      for (const timestampDelta of deltas)
        for (const headers of headerSets)
          for (const [key, value] of [
            [Buffer.from('k1'), Buffer.from('{"event_name":"tick"}')],
            [null, null],
          ] as const) {
            const offsetDelta = cases % 3 === 0 ? 0 : cases % 3 === 1 ? 17 : 2_000_000
            const bytes = recordBytes({ offsetDelta, timestampDelta, key, value, headers })
            // Record attributes are unused today, but read as kafkajs reads them (a signed byte).
            if (cases % 2 === 1) bytes[0] = 0xfe
            const result = both(decode, bytes, batch)
            assert.deepStrictEqual(
              result.faster,
              result.kafkajs,
              `context ${JSON.stringify(batch)}, delta ${timestampDelta}, headers ${headers && Object.keys(headers)}`,
            )
            assert.equal(result.read[0], result.read[1])
            cases++
          }
    assert.equal(cases, contexts.length * deltas.length * headerSets.length * 2)
  })

  it('gives what kafkajs gives for random records, the batch context changing and coming back', () => {
    const decode = fasterRecordDecoder(originalDecoder, readHeader)
    const contexts = [context('100', '1733400000000'), context('100', '1733400000500'), context('5000000000', '1733400000000')]
    for (let i = 0; i < 2_000; i++) {
      // Several records of a batch in a row, then another batch: timestamps of one batch must never be reused for the next.
      const batch = contexts[Math.floor(i / 7) % contexts.length]!
      const spec: RecordSpec = {
        offsetDelta: randomInt(0, 100_000),
        timestampDelta: randomInt(0, 4) === 0 ? randomInt(-100, 100) : randomInt(0, 70),
        key: randomInt(0, 5) === 0 ? null : randomBytes(randomInt(0, 40)),
        value: randomInt(0, 9) === 0 ? null : randomBytes(randomInt(0, 300)),
        headers: randomInt(0, 3) === 0 ? { h: randomBytes(4), [`x${randomInt(0, 3)}`]: [randomBytes(2), randomBytes(3)] } : {},
      }
      const result = both(decode, recordBytes(spec), batch)
      assert.deepStrictEqual(result.faster, result.kafkajs, `record ${i}`)
    }
  })

  it("hands a record it cannot do in numbers to kafkajs's decoder whole", () => {
    const calls: number[] = []
    const counting: RecordDecoderFunction = (decoder, batchContext) => {
      calls.push(decoder.offset)
      return originalDecoder(decoder, batchContext)
    }
    const decode = fasterRecordDecoder(counting, readHeader)
    const plain = { offsetDelta: 1, key: null, value: Buffer.from('v') }
    assert.equal(both(decode, recordBytes({ ...plain, timestampDelta: 5 }), context('1', '1733400000000')).fetched, true)
    assert.deepEqual(calls, [], 'an ordinary record needs no help')
    for (const [delta, batch] of [
      [2n ** 62n, context('1', '1733400000000')],
      [5, context('9223372036854775000', '1733400000000')],
      [5, context('1', '9007199254740991')],
    ] as const) {
      calls.length = 0
      const result = both(decode, recordBytes({ ...plain, timestampDelta: delta }), batch)
      assert.deepStrictEqual(result.faster, result.kafkajs)
      assert.equal(result.fetched, false)
      assert.deepEqual(calls, [0], `delta ${delta}, ${JSON.stringify(batch)}: from the record's first byte`)
    }
  })

  it('leaves to kafkajs a header without a name, and lengths past the record', () => {
    const decode = fasterRecordDecoder(originalDecoder, readHeader)
    const batch = context('1', '1733400000000')
    // attributes 0, timestamp delta 0, offset delta 0, key null (-1), value "v", one header: name null (-1), value "x".
    const nameless = Buffer.from([0, 0, 0, 1, 2, 0x76, 2, 1, 2, 0x78])
    const result = both(decode, nameless, batch)
    assert.equal(result.fetched, false)
    assert.deepStrictEqual(result.faster, result.kafkajs)
    assert.deepEqual(Object.keys(result.kafkajs.headers), ['null'])
    // The value's length says 50 bytes where 1 follows.
    const short = Buffer.from([0, 0, 0, 1, 100, 0x76, 0])
    const cut = both(decode, short, batch)
    assert.equal(cut.fetched, false)
    assert.deepStrictEqual(cut.faster, cut.kafkajs)
  })

  it('reads, assigns and prints as a plain record does', () => {
    const decode = fasterRecordDecoder(originalDecoder, readHeader)
    const spec = {
      offsetDelta: 3,
      timestampDelta: 9,
      key: Buffer.from('k1'),
      value: Buffer.from('{"a":1}'),
      headers: { event_name: Buffer.from('e') },
    }
    const decoded = decode(
      new Decoder(recordBytes(spec)) as unknown as Parameters<RecordDecoderFunction>[0],
      context('10', '1733400000000'),
    )
    const kafkajs = originalDecoder(
      new Decoder(recordBytes(spec)) as unknown as Parameters<RecordDecoderFunction>[0],
      context('10', '1733400000000'),
    )
    assert.ok(decoded instanceof FetchedRecord)
    assert.equal(JSON.stringify(decoded), JSON.stringify(kafkajs))
    assert.equal(inspect(decoded), inspect(kafkajs))
    decoded.value = Buffer.from('"b"')
    decoded.key = null
    decoded.headers = {}
    assert.equal(decoded.valueText(), '"b"')
    assert.equal(decoded.keyEquals(null), true)
    assert.equal(decoded.mayHaveHeaders, false)
  })
})

describe('the faster fetch batch', () => {
  const Batch = fasterBatch(OriginalBatch as unknown as { prototype: object }, filterAborted, Long) as unknown as typeof OriginalBatch
  const message = (offset: string, extra: object = {}) => ({
    offset,
    key: null,
    value: Buffer.from('v'),
    timestamp: '1733400000000',
    headers: {},
    isControlRecord: false,
    batchContext: { producerId: '7', inTransaction: false },
    ...extra,
  })

  it('keeps and drops the messages kafkajs keeps and drops, and answers its methods the same', () => {
    const partitions = [
      // A compressed batch that began before the fetched offset.
      { fetched: '10', offsets: ['8', '9', '10', '11', '12'] },
      { fetched: '0', offsets: ['0', '1'] },
      { fetched: '5', offsets: [] },
      { fetched: '100', offsets: ['98', '99'] },
      // Past 2^53, where numbers are not exact: kafkajs's own comparison decides.
      { fetched: '9007199254740993', offsets: ['9007199254740992', '9007199254740993', '9007199254740994'] },
      { fetched: '9007199254740990', offsets: ['9007199254740989', '9007199254740990', '9007199254740995'] },
    ]
    for (const { fetched, offsets } of partitions) {
      const data = {
        partition: 3,
        highWatermark: '9007199254740999',
        messages: offsets.map((offset, i) => message(offset, i === offsets.length - 1 ? { isControlRecord: true } : {})),
      }
      const faster = new Batch('t', fetched, data)
      const kafkajs = new OriginalBatch('t', fetched, data)
      assert.deepStrictEqual({ ...faster }, { ...kafkajs }, `fetched ${fetched}`)
      assert.ok(faster instanceof OriginalBatch)
      for (const method of [
        'isEmpty',
        'isEmptyIncludingFiltered',
        'isEmptyDueToFiltering',
        'isEmptyControlRecord',
        'firstOffset',
        'lastOffset',
        'offsetLag',
        'offsetLagLow',
      ])
        assert.deepEqual((faster[method] as () => unknown)(), (kafkajs[method] as () => unknown)(), `${method} at ${fetched}`)
    }
  })

  it('drops the records of aborted transactions as kafkajs does', () => {
    const inTransaction = { producerId: '7', inTransaction: true }
    const data = {
      partition: 0,
      highWatermark: '20',
      abortedTransactions: [{ producerId: '7', firstOffset: '3' }],
      messages: [
        message('1'),
        message('3', { batchContext: inTransaction }),
        message('4', { batchContext: inTransaction }),
        message('5', { batchContext: inTransaction, key: Buffer.from([0, 0, 0, 0]), isControlRecord: true }),
        message('6'),
      ],
    }
    const faster = new Batch('t', '0', data)
    assert.deepStrictEqual({ ...faster }, { ...new OriginalBatch('t', '0', data) })
    assert.deepEqual(
      (faster.messages as { offset: string }[]).map((m) => m.offset),
      ['1', '6'],
    )
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

describe('the faster record batch decoder', () => {
  const originalBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as RecordBatchDecoderFunction
  const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
    RecordBatch: (options: object) => Promise<{ buffer: Buffer }>
  }
  const { Types: Compression } = require('kafkajs/src/protocol/message/compression/index.js') as { Types: { GZIP: number } }
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
