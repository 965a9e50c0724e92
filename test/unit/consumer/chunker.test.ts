import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { z } from 'zod'
import { nextChunk } from '../../../src/consumer/chunker.js'
import type { RawRecord } from '../../../src/consumer/decode.js'
import type { Topology } from '../../../src/topology.js'

const topology: Topology = {
  fingerprint: 'test',
  app: {},
  topics: { jobs: { key: 'id', events: { job: { schema: z.object({ id: z.string() }), method: 'job' } } } },
}
/** Records from offset 0; 'bad' is a value that cannot be decoded. */
const records = (values: string[]): RawRecord[] =>
  values.map((v, i) => ({
    topic: 'jobs',
    partition: 0,
    offset: String(i),
    key: Buffer.from('k'),
    value: Buffer.from(v === 'bad' ? v : JSON.stringify({ event_name: 'job', payload: { id: v } })),
    timestamp: '0',
    headers: {},
  }))
const offsets = (chunk: { messages: { offset: string }[] }) => chunk.messages.map((m) => m.offset)

describe('chunks of a batch', () => {
  it('ends at maxSize, at `until`, and after an invalid record, which it reports', () => {
    const all = records(['a', 'b', 'bad', 'c', 'd'])
    assert.deepEqual(offsets(nextChunk(topology, all, 0, { maxSize: 1 })), ['0'])
    const untilOne = nextChunk(topology, all, 0, { maxSize: 10, until: '1' })
    assert.deepEqual([offsets(untilOne), untilOne.next], [['0', '1'], 2])
    const toInvalid = nextChunk(topology, all, 0, { maxSize: 10 })
    assert.deepEqual([offsets(toInvalid), toInvalid.invalid?.record.offset, toInvalid.next], [['0', '1'], '2', 3])
  })

  it('passes over records to skip, and reports the ones after its last message as done', () => {
    const all = records(['a', 'b', 'c', 'd', 'e'])
    const done = new Set(['1', '3', '4'])
    const chunk = nextChunk(topology, all, 0, { maxSize: 10, skip: (o) => done.has(o) })
    assert.deepEqual([offsets(chunk), chunk.skippedAfter, chunk.next], [['0', '2'], '4', 5])
    const inner = nextChunk(topology, all, 0, { maxSize: 10, skip: (o) => o === '1' })
    assert.equal(inner.skippedAfter, undefined, 'a skipped record before the last message is covered by it')
    const empty = nextChunk(topology, all, 3, { maxSize: 10, skip: (o) => done.has(o) })
    assert.deepEqual([offsets(empty), empty.skippedAfter], [[], '4'])
  })

  it('begins a new chunk at a record that must start one, unless the chunk is still empty', () => {
    const all = records(['a', 'b', 'c', 'd'])
    const starts = (o: string) => o === '2'
    const first = nextChunk(topology, all, 0, { maxSize: 10, startsChunk: starts })
    assert.deepEqual([offsets(first), first.next], [['0', '1'], 2])
    assert.deepEqual(offsets(nextChunk(topology, all, 2, { maxSize: 10, startsChunk: starts })), ['2', '3'])
  })

  it('notes messages whose key is not their partition key and hands them over; with inconsistent: dead-letter they end the chunk as invalid', () => {
    // Keyed 'k', while their payloads say a, b: inconsistent, all of them.
    const all = records(['k', 'a', 'k'])
    const reported = nextChunk(topology, all, 0, { maxSize: 10 })
    assert.deepEqual(offsets(reported), ['0', '1', '2'])
    assert.deepEqual(
      reported.inconsistent?.map((i) => i.offset),
      ['1'],
    )
    const strict = nextChunk(topology, all, 0, { maxSize: 10, inconsistent: 'dead-letter' })
    assert.deepEqual(offsets(strict), ['0'])
    assert.equal(strict.invalid?.record.offset, '1')
    assert.match(strict.invalid!.reason, /its key "k" is not its payload's id \("a"\)/)
    assert.equal(strict.next, 2)
  })
})
