import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createTestApp, jobsManifest, recordingHandler, type TestApp, waitFor } from '../../helpers/app.js'
import { uniqueName } from '../../helpers/kafka.js'

const manifest = (topic: string, group: string, groupSettings = '') =>
  jobsManifest({
    clientId: 'rebalance-test',
    topic,
    group,
    partitions: 2,
    groupSettings,
    route: 'retry: { attempts: 10, backoffMs: 50, maxBackoffMs: 200 }',
  })

declare global {
  var karafkaSlowTaken: boolean
  var karafkaRebalance: {
    aborted: string[]
    finished: string[]
    log: [kind: 'finished' | 'commit', partition: number, offset: bigint, at: number][]
  }
}

describe('rebalances and long handlers (real broker)', () => {
  const apps: TestApp[] = []
  after(() => Promise.all(apps.map((a) => a.remove())))

  it("a revoked partition's in-flight handler sees ctx.signal aborted, commits nothing, and the new owner starts from the last committed offset", async () => {
    const [topic, group] = [uniqueName('jobs'), uniqueName('workers')]
    globalThis.karafkaRebalance = { aborted: [], finished: [], log: [] }
    // The first batch handed over blocks until ctx.signal aborts (or 30 s pass), then returns as if done.
    const slowOnce = `const state = globalThis.karafkaRebalance
      if (!globalThis.karafkaSlowTaken) {
        globalThis.karafkaSlowTaken = true
        await new Promise<void>((resolve) => { const t = setTimeout(resolve, 30000); ctx.signal.addEventListener('abort', () => { clearTimeout(t); state.aborted.push(messages[0]!.partition + '@' + messages[0]!.offset); resolve() }) })
        // Return normally, as a handler that ignores the signal would: only the poller can keep this batch from committing.
        if (ctx.signal.aborted) return
      }
      for (const m of messages) {
        state.finished.push(m.partition + '@' + m.offset)
        state.log.push(['finished', m.partition, BigInt(m.offset), performance.now()])
      }`
    globalThis.karafkaSlowTaken = false
    const app = await createTestApp('rebalance', manifest(topic, group, '    sessionTimeoutMs: 10000\n    heartbeatIntervalMs: 500\n'), {
      'handlers/jobs.ts': recordingHandler('rebalance', group, topic, slowOnce),
    })
    apps.push(app)
    const first = await app.start()
    const logCommit = (c: { partition: number; offset: string }) =>
      globalThis.karafkaRebalance.log.push(['commit', c.partition, BigInt(c.offset), performance.now()])
    first.monitor.subscribe('offsets.committed', logCommit)
    for (let n = 0; n < 20; n++) await app.generated.responders[topic].job({ id: `k${n}`, n })
    await waitFor('the slow batch to be in flight', () => globalThis.karafkaSlowTaken === true)
    const second = await app.start()
    second.monitor.subscribe('offsets.committed', logCommit)
    await waitFor('the in-flight handler to be aborted', () => globalThis.karafkaRebalance.aborted.length === 1, 30_000)
    const [abortedAt] = globalThis.karafkaRebalance.aborted
    const [partition, abortedOffset] = abortedAt!.split('@').map(Number) as [number, number]
    await waitFor('every message to be finished', () => new Set(globalThis.karafkaRebalance.finished).size === 20, 30_000)
    await Promise.all([first.stop(), second.stop()])
    // The aborted batch committed nothing: until it was handled again by the partition's
    // owner, no commit of that partition went past where the aborted batch started.
    const { log } = globalThis.karafkaRebalance
    const redone = log.find(([kind, p, offset]) => kind === 'finished' && p === partition && offset === BigInt(abortedOffset))
    assert.ok(redone, 'the aborted batch was handled again, from the last committed offset')
    const early = log.filter(([kind, p, , at]) => kind === 'commit' && p === partition && at < redone[3])
    assert.deepEqual(
      early.filter(([, , offset]) => offset > BigInt(abortedOffset)),
      [],
      'a commit ran past the aborted batch',
    )
    const revoked = app.events['rebalance.partitions_revoked'] ?? []
    assert.ok(revoked.length >= 1, 'a revocation was reported')
    const commitsOfPartition = (app.events['offsets.committed'] ?? []).filter((c) => c.partition === partition).map((c) => BigInt(c.offset))
    assert.ok(commitsOfPartition.length > 0)
    assert.deepEqual(
      commitsOfPartition,
      [...commitsOfPartition].sort((a, b) => (a < b ? -1 : 1)),
      'commits of the partition only move forward',
    )
  })

  it('a handler running longer than the session timeout is not kicked out of the group: heartbeats keep flowing', async () => {
    const [topic, group] = [uniqueName('jobs'), uniqueName('workers')]
    const app = await createTestApp('long', manifest(topic, group, '    sessionTimeoutMs: 6000\n    heartbeatIntervalMs: 1000\n'), {
      'handlers/jobs.ts': recordingHandler('long', group, topic, 'await new Promise((resolve) => setTimeout(resolve, 10000))'),
    })
    apps.push(app)
    await app.generated.responders[topic].job({ id: 'a', n: 1 })
    const server = await app.start()
    await waitFor('the long batch to finish', () => (app.events['consumer.consumed']?.length ?? 0) >= 1, 30_000)
    await server.stop()
    assert.ok(app.events['consumer.consumed']![0]!.durationMs >= 10_000)
    assert.equal(app.events['rebalance.partitions_revoked'], undefined, 'the member was never evicted')
    assert.equal(app.events['rebalance.partitions_assigned']!.length, 1, 'one assignment, no rejoin')
    assert.equal(app.seen[`${group}/${topic}`]!.length, 1, 'handled once')
    assert.ok(app.events['offsets.committed']!.some((c) => c.offset === '1'))
  })
})
