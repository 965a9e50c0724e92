import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Message } from '../../../src/consumer/types.js'
import { CollapsedWindows, splitVirtual, stableHash, virtualPartitionOf, WindowProgress } from '../../../src/consumer/virtual-partitions.js'

const meta = { topic: 'orders', partition: 0, timestamp: new Date(0), headers: {} }
const message = (offset: number, key: string | null, payload: unknown): Message =>
  payload === null
    ? { ...meta, offset: String(offset), key, event: null, payload: null, tombstone: true }
    : { ...meta, offset: String(offset), key, event: 'order_completed', payload, tombstone: false }

describe('virtual partitions: where a message goes', () => {
  it('hashes with 32-bit FNV-1a over UTF-8, the same on every run', () => {
    assert.equal(stableHash(''), 0x811c9dc5)
    assert.equal(stableHash('a'), 0xe40c292c)
    assert.equal(stableHash('foobar'), 0xbf9cf968)
    assert.notEqual(stableHash('é'), stableHash('e'), 'bytes, not code units folded')
  })

  it('by key: the record key; a null key goes to virtual partition 0', () => {
    const by = { by: 'key', max: 8, distribution: 'consistent' as const }
    assert.equal(virtualPartitionOf(message(0, 'c-1', { customerId: 'c-1' }), by), stableHash('c-1') % 8)
    assert.equal(virtualPartitionOf(message(1, null, { customerId: 'c-1' }), by), 0)
  })

  it('by a dot path into the payload; a missing value goes to virtual partition 0', () => {
    const by = { by: 'customer.region', max: 16, distribution: 'consistent' as const }
    assert.equal(virtualPartitionOf(message(0, 'k', { customer: { region: 'eu-west' } }), by), stableHash('eu-west') % 16)
    assert.equal(virtualPartitionOf(message(1, 'k', { customer: {} }), by), 0)
    assert.equal(virtualPartitionOf(message(2, 'k', { customer: null }), by), 0)
    assert.equal(virtualPartitionOf(message(3, 'k', { customer: { region: 7 } }), by), stableHash('7') % 16, 'numbers as text')
  })

  it("by the topic's own key path reads the record key, so a tombstone goes with its key's events", () => {
    const by = { by: 'customerId', max: 8, distribution: 'consistent' as const }
    const event = virtualPartitionOf(message(0, 'c-3', { customerId: 'c-3' }), by, 'customerId')
    assert.equal(virtualPartitionOf(message(1, 'c-3', null), by, 'customerId'), event)
    assert.equal(virtualPartitionOf(message(1, 'c-3', null), by), 0, 'another path: a tombstone has no payload')
  })

  it('splits in offset order inside each virtual partition, leaving empty ones out', () => {
    const messages = Array.from({ length: 40 }, (_, i) => message(i, `k-${i % 5}`, {}))
    const groups = splitVirtual(messages, { by: 'key', max: 8, distribution: 'consistent' as const })
    assert.ok(groups.length <= 5)
    assert.deepEqual(
      groups.flatMap((g) => g.messages.map((m) => Number(m.offset))).sort((a, b) => a - b),
      messages.map((_, i) => i),
    )
    for (const g of groups) {
      assert.ok(g.messages.length > 0)
      const offsets = g.messages.map((m) => Number(m.offset))
      assert.deepEqual(
        offsets,
        [...offsets].sort((a, b) => a - b),
      )
      assert.ok(
        g.messages.every((m) => virtualPartitionOf(m, { by: 'key', max: 8, distribution: 'consistent' as const }) === g.virtualPartition),
      )
    }
  })

  it('balanced: each value in one virtual partition, in offset order, loads within the largest value of each other', () => {
    // Skewed: k0 has 12 messages, k1..k19 have 1 to 4.
    const keys = [...Array.from({ length: 12 }, () => 'k0'), ...Array.from({ length: 40 }, (_, i) => `k${1 + (i % 19)}`)]
    const messages = keys.map((key, i) => message(i, i % 7 === 3 ? null : key, {}))
    const groups = splitVirtual(messages, { by: 'key', max: 4, distribution: 'balanced' })
    assert.equal(groups.length, 4)
    const home = new Map<string | null, number>()
    for (const g of groups) {
      const offsets = g.messages.map((m) => Number(m.offset))
      assert.deepEqual(
        offsets,
        [...offsets].sort((a, b) => a - b),
      )
      for (const m of g.messages) {
        assert.equal(home.get(m.key) ?? g.virtualPartition, g.virtualPartition, `${m.key} in one virtual partition`)
        home.set(m.key, g.virtualPartition)
      }
    }
    assert.equal(home.get(null), 0, 'messages without the value go to 0')
    const loads = groups.map((g) => g.messages.length)
    const largestValue = Math.max(...[...new Set(messages.map((m) => m.key))].map((k) => messages.filter((m) => m.key === k).length))
    assert.ok(Math.max(...loads) - Math.min(...loads) <= largestValue, `loads ${loads} within ${largestValue}`)
    const hashed = splitVirtual(messages, { by: 'key', max: 4, distribution: 'consistent' }).map((g) => g.messages.length)
    assert.ok(Math.max(...loads) <= Math.max(...hashed), `balanced ${loads} no worse than hashed ${hashed}`)
  })

  it('max 1 keeps everything in one', () => {
    const groups = splitVirtual([message(0, 'a', {}), message(1, 'b', {})], { by: 'key', max: 1, distribution: 'consistent' as const })
    assert.equal(groups.length, 1)
  })
})

describe('virtual partitions: how far a window is done', () => {
  it('is the last offset before the lowest one not done, moving only when that one is done', () => {
    const progress = new WindowProgress(['3', '4', '6', '9'])
    assert.equal(progress.upTo, undefined)
    assert.equal(progress.add(['4', '9']), false, 'done above a gap does not move it')
    assert.equal(progress.upTo, undefined)
    assert.equal(progress.firstNotDone, '3')
    assert.equal(progress.add(['3']), true)
    assert.equal(progress.upTo, '4')
    assert.equal(progress.firstNotDone, '6')
    assert.deepEqual([...progress.doneAfter()], ['9'])
    assert.equal(progress.add(['6']), true)
    assert.equal(progress.upTo, '9')
    assert.equal(progress.firstNotDone, undefined)
  })

  it('keeps a collapsed window until the partition gets past it, and forgets partitions no longer held', () => {
    const windows = new CollapsedWindows()
    windows.set('t/0', { until: '9', done: new Set(['7']), failures: new Map() })
    windows.set('t/1', { until: '5', done: new Set(), failures: new Map() })
    assert.equal(windows.at('t/0', '3')?.until, '9')
    assert.equal(windows.at('t/0', '10'), undefined)
    assert.equal(windows.at('t/0', '3'), undefined, 'gone once past it')
    windows.retain(new Set(['t/0']))
    assert.equal(windows.at('t/1', '0'), undefined)
  })
})
