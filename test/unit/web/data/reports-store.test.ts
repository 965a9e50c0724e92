import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ErrorsStore, ReportsStore } from '../../../../src/web/data/reports-store.js'
import type { ProcessReport } from '../../../../src/web/report.js'

const report = (id: string, reportedAt: number, over: Partial<ProcessReport> = {}): ProcessReport => ({
  schema: 1,
  id,
  app: 'shop',
  host: id.split(':')[0]!,
  pid: Number(id.split(':')[1]),
  version: '0.1.0',
  node: 'v24',
  state: 'running',
  startedAt: 0,
  reportedAt,
  intervalMs: 10_000,
  rssBytes: 1,
  groups: [{ group: 'shop', state: 'running', partitions: [] }],
  totals: { consumed: 0, batches: 0, failures: 0, retries: 0, deadLetters: 0, errors: 0 },
  throughput: 0,
  latency: { handler: null, lambda: null },
  ...over,
})

describe('ReportsStore', () => {
  it('keeps the last report of each process; a process silent for 3 intervals is stale, one that said so is stopped', () => {
    const store = new ReportsStore()
    const now = 1_000_000
    store.add('a:1:x', report('a:1:x', now - 50_000))
    store.add('a:1:x', report('a:1:x', now - 5_000))
    store.add('a:1:x', report('a:1:x', now - 40_000)) // older, read late: not the last
    store.add('b:2:y', report('b:2:y', now - 31_000))
    store.add('c:3:z', report('c:3:z', now - 600_000, { state: 'stopped' }))
    store.add('junk', undefined)
    assert.deepEqual(
      store.processes(now).map((p) => [p.report.id, p.status, p.age]),
      [
        ['a:1:x', 'running', 5_000],
        ['b:2:y', 'stale', 31_000],
        ['c:3:z', 'stopped', 600_000],
      ],
    )
    assert.equal(store.unreadable, 1)
    store.add('b:2:y', null)
    assert.deepEqual(
      store.processes(now).map((p) => p.report.id),
      ['a:1:x', 'c:3:z'],
      'a tombstone removes the process',
    )
  })

  it('charts: throughput summed over processes; the lag from the UI samples where it has them, else the latest report of each partition', () => {
    const store = new ReportsStore()
    const t0 = 10_000_000
    const parts = (lag: number, partition = 0) => [
      { group: 'shop', state: 'running' as const, partitions: [{ topic: 'orders', partition, state: 'idle' as const, consumed: 0, lag }] },
    ]
    store.add('a', report('a', t0, { throughput: 100, groups: parts(50, 0) }))
    store.add('b', report('b', t0, { throughput: 20, groups: parts(7, 1) }))
    store.add('a', report('a', t0 + 30_000, { throughput: 40, groups: parts(0, 0) }))
    const now = t0 + 60_000
    const series = store.series(now)
    const at = (time: number) => series.times.findIndex((t) => t * 1000 >= time)
    assert.equal(series.throughput[at(t0 + 1)], 120, 'both processes')
    assert.deepEqual(series.lag, [{ group: 'shop', values: series.lag[0]!.values }])
    assert.equal(series.lag[0]!.values[at(t0 + 1)], 57)
    assert.equal(series.lag[0]!.values[at(t0 + 30_001)], 0 + 0, 'b is more than two intervals old by then, a says 0')
    assert.equal(series.throughput[at(t0 + 30_001)], 40)
    const sampled = store.series(now, [{ at: t0 + 30_000, groups: { shop: 999, other: 3 } }])
    assert.deepEqual(
      sampled.lag.map((l) => [l.group, l.values[at(t0 + 30_001)]]),
      [
        ['other', 3],
        ['shop', 999],
      ],
    )
    assert.equal(series.throughput.at(-1), null, 'nothing reported lately')
  })
})

it('ErrorsStore: newest first, counted since a time', () => {
  const errors = new ErrorsStore(2)
  const error = (at: number) => ({
    schema: 1 as const,
    at,
    process: 'p',
    app: 'a',
    host: 'h',
    pid: 1,
    type: 'consumer.consume.error',
    error: { name: 'E', message: String(at) },
  })
  for (const at of [3, 1, 2]) errors.add(error(at))
  assert.deepEqual(
    errors.recent().map((e) => e.at),
    [2, 1],
    'the last 2 read, newest first',
  )
  assert.equal(errors.countSince(2), 2)
})
