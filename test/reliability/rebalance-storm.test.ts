// Rebalance storm: three pollers of one group; every few seconds one leaves and another joins
// while messages flow and handlers take a while. Every commit any of them makes is checked
// at the moment it is made: each message before the committed offset must have been handled.
// Each poller runs a second group on the same topic with virtual partitions, checked the same way.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Monitor } from '../../src/instrumentation/monitor.js'
import type { Server } from '../../src/server/server.js'
import { createTestApp, type TestApp, waitFor } from '../helpers/app.js'
import { uniqueName } from '../helpers/kafka.js'
import { checkLedger, groupLag, type LedgerEntry, SequenceSource, seeded } from '../helpers/ledger.js'

const SOAK = process.env.KARAFKA_SOAK === '1'
const CHANGES = SOAK ? 40 : 8
const SEED = Number(process.env.KARAFKA_SEED ?? Math.floor(Math.random() * 1e9))

declare global {
  var stormLedger: Record<string, LedgerEntry[]>
  var stormHandled: Record<string, Record<number, Set<number>>>
  var stormAssignments: number
}

/**
 * Records into the group's ledger after a random wait of up to 40 ms. Each entry's runner is the
 * assignment the call began under (every member's every assignment counts one up): between two
 * assignments a partition has one owner, so each key must advance one by one under one runner,
 * and a message may come again only under a later one.
 */
const stormHandler = (group: string, topic: string) => `import { defineConsumer } from '../generated/karafka.js'
export default defineConsumer('${group}', '${topic}', async (messages) => {
  const runner = 'assignment-' + globalThis.stormAssignments
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 40))
  for (const m of messages) {
    if (m.event !== 'tick') continue
    globalThis.stormLedger['${group}'].push({ runner, partition: m.partition, offset: Number(m.offset), key: m.payload.id, seq: m.payload.seq })
    ;(globalThis.stormHandled['${group}'][m.partition] ??= new Set()).add(Number(m.offset))
  }
})
`

/** A monitor that counts every assignment, for the ledger's runner names. */
function assignmentCounter(): Monitor {
  const monitor = new Monitor()
  monitor.subscribe('rebalance.partitions_assigned', () => void globalThis.stormAssignments++)
  return monitor
}

describe(`rebalance storm: ${CHANGES} leaves and joins among three pollers (seed ${SEED})`, () => {
  let app: TestApp | undefined
  let producing = true
  after(async () => {
    producing = false
    await app?.remove()
  })

  it('loses nothing and never commits past unprocessed work', async (t) => {
    const random = seeded(SEED)
    const [topic, group, vpGroup] = [uniqueName('storm'), uniqueName('storm-group'), uniqueName('storm-vp')]
    globalThis.stormLedger = { [group]: [], [vpGroup]: [] }
    globalThis.stormHandled = { [group]: {}, [vpGroup]: {} }
    globalThis.stormAssignments = 0
    app = await createTestApp(
      'storm',
      `app:
  clientId: storm-test
  brokers: \${KAFKA_BROKERS}
  shutdownTimeoutMs: 10000
topics:
  ${topic}:
    partitions: 6
    key: id
    events:
      tick: { id: string, seq: integer }
consumerGroups:
  ${group}:
    sessionTimeoutMs: 6000
    heartbeatIntervalMs: 500
    topics:
      ${topic}: { handler: handlers/storm.ts, batch: { maxSize: 20 } }
  ${vpGroup}:
    sessionTimeoutMs: 6000
    heartbeatIntervalMs: 500
    topics:
      ${topic}: { handler: handlers/storm-vp.ts, batch: { maxSize: 5 }, virtualPartitions: { max: 8 } }
`,
      { 'handlers/storm.ts': stormHandler(group, topic), 'handlers/storm-vp.ts': stormHandler(vpGroup, topic) },
    )
    // The first offset below a commit that no handler has finished, if any.
    const violations: string[] = []
    const commits: Record<string, number> = {}
    const handledBelow = (group: string, partition: number, offset: number) => {
      const handled = globalThis.stormHandled[group]![partition] ?? new Set()
      for (let o = 0; o < offset; o++) if (!handled.has(o)) return o
      return undefined
    }
    const members: Server[] = []
    let revocations = 0
    const join = async () => {
      // Counted before the server starts: its first assignment comes while it starts.
      const server = await app!.start({ monitor: assignmentCounter() })
      server.monitor.subscribe('rebalance.partitions_revoked', () => void revocations++)
      server.monitor.subscribe('offsets.committed', ({ group: committer, partition, offset }) => {
        commits[committer] = (commits[committer] ?? 0) + 1
        const missing = handledBelow(committer, partition, Number(offset))
        if (missing !== undefined && violations.length < 10)
          violations.push(`${committer} committed ${topic}/${partition} at ${offset} before offset ${missing} was handled`)
      })
      members.push(server)
    }

    const source = new SequenceSource(40)
    const responder = app.generated.responders[topic]
    const producer = (async () => {
      while (producing) {
        await Promise.all(Array.from({ length: 25 }, () => source.next()).map(({ key, seq }) => responder.tick({ id: key, seq })))
        await sleep(25)
      }
    })()

    for (let i = 0; i < 3; i++) await join()
    for (let change = 0; change < CHANGES; change++) {
      await sleep(1_500 + Math.floor(random() * 2_500))
      // One leaves (gracefully, as on a deploy) and another joins; now and then two join or leave in a row.
      if (members.length > 1 && (members.length === 3 || random() < 0.5)) {
        const [leaving] = members.splice(Math.floor(random() * members.length), 1)
        await leaving!.stop()
      } else {
        await join()
      }
    }
    producing = false
    await producer
    while (members.length < 3) await join()
    await waitFor(
      'the groups to catch up',
      async () => (await groupLag(group, topic)) === 0 && (await groupLag(vpGroup, topic)) === 0,
      120_000,
    )

    const check = checkLedger(globalThis.stormLedger[group]!, source.produced)
    const vpCheck = checkLedger(globalThis.stormLedger[vpGroup]!, source.produced)
    t.diagnostic(
      `rebalance storm: ${check.produced} produced, ${check.handled} handled, ${check.duplicates} duplicates, ${commits[group] ?? 0} commits checked; with virtual partitions (max 8): ${vpCheck.handled} handled, ${vpCheck.duplicates} duplicates, ${commits[vpGroup] ?? 0} commits checked; ${revocations} revocations over ${CHANGES} membership changes; seed ${SEED}`,
    )
    assert.deepEqual(violations, [], 'no commit past unprocessed work')
    // A revoked partition hands over at most the batches whose commits had not gone out: a few
    // batches a partition, a few windows with virtual partitions (as in the crash test's bound).
    const bounds = { [group]: Math.max(1, revocations) * 6 * 3 * 20, [vpGroup]: Math.max(1, revocations) * 6 * 2 * 5 * 8 * 4 }
    for (const [name, result] of [
      [group, check],
      [vpGroup, vpCheck],
    ] as const) {
      assert.deepEqual(result.lost, [], `${name}: no message lost`)
      assert.equal(result.unique, result.produced)
      assert.deepEqual(result.outOfOrder, [], `${name}: each key in order under each assignment`)
      assert.ok(result.duplicates <= bounds[name]!, `${name}: ${result.duplicates} duplicates within the bound ${bounds[name]}`)
    }
    assert.ok((commits[group] ?? 0) > 0 && (commits[vpGroup] ?? 0) > 0 && revocations > 0, 'the storm did rebalance and commit')
  })
})
