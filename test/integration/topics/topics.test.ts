import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { TOPIC_RESOURCE } from '../../../src/kafka/config-types.js'
import { createTestApp, recordingHandler, type TestApp, waitFor } from '../../helpers/app.js'
import { karafka } from '../../helpers/cli.js'
import { testKafka, uniqueName } from '../../helpers/kafka.js'
import { tempProject } from '../../helpers/project.js'

const manifestText = (users: string, partitions: number, config: string, extra = '') => `app:
  clientId: topics-test
  brokers: \${KAFKA_BROKERS}
topics:
  ${users}:
    partitions: ${partitions}
    config: { ${config} }
    key: id
    events:
      user_created: { id: integer, email: string }
${extra}`

async function readAll(topic: string): Promise<{ key: string | null; value: string | null; offset: string; partition: number }[]> {
  const admin = testKafka().admin()
  await admin.connect()
  const ends = await admin.fetchTopicOffsets(topic)
  await admin.disconnect()
  const total = ends.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0)
  const consumer = testKafka().consumer({ groupId: uniqueName('reader') })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const records: { key: string | null; value: string | null; offset: string; partition: number }[] = []
  const last = new Map(ends.map((p) => [p.partition, BigInt(p.high) - 1n]))
  const done = () =>
    ends.every((p) => p.high === p.low || records.some((r) => r.partition === p.partition && BigInt(r.offset) >= last.get(p.partition)!))
  await consumer.run({
    eachMessage: async ({ partition, message }) =>
      void records.push({
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
      }),
  })
  try {
    await waitFor(`reading ${topic} to its end`, () => total === 0 || done(), 20_000)
  } finally {
    await consumer.disconnect()
  }
  return records
}

describe('declarative topics and operations (karafka CLI, real broker)', () => {
  const apps: TestApp[] = []
  after(() => Promise.all(apps.map((a) => a.remove())))

  it('migrate creates topics with their partitions and configs, then plans nothing; more partitions are added, fewer refused', async () => {
    const users = uniqueName('users')
    const group = uniqueName('example')
    const dlq = `${users}.dlq`
    const project = tempProject({
      'karafka.yml': manifestText(
        users,
        3,
        'cleanup.policy: compact',
        `consumerGroups:\n  ${group}:\n    topics:\n      ${users}: { handler: handlers/users.ts, deadLetter: ${dlq} }\n`,
      ),
    })
    after(() => project.remove())
    const manifest = ['--manifest', path.join(project.dir, 'karafka.yml')]

    const plan = await karafka(['topics', 'plan', ...manifest])
    assert.equal(plan.code, 0, 'a plan is not a failure')
    assert.equal((await karafka(['topics', 'plan', '--detailed-exitcode', ...manifest])).code, 3, 'changes to apply, for CI')
    assert.match(plan.stdout, new RegExp(`${users} +create +3 partitions, replication 1, cleanup.policy=compact`))
    assert.match(plan.stdout, new RegExp(`${dlq.replace('.', '\\.')} +create +3 partitions`))
    const migrate = await karafka(['topics', 'migrate', ...manifest])
    assert.equal(migrate.code, 0, migrate.stderr)
    assert.match(migrate.stdout, /The cluster matches the manifest now/)

    const admin = testKafka().admin()
    await admin.connect()
    const metadata = await admin.fetchTopicMetadata({ topics: [users, dlq] })
    assert.deepEqual(
      metadata.topics.map((t) => [t.name, t.partitions.length]).sort(),
      [
        [users, 3],
        [dlq, 3],
      ].sort(),
    )
    const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC_RESOURCE, name: users }] })
    assert.equal(configs.resources[0]!.configEntries.find((e) => e.configName === 'cleanup.policy')!.configValue, 'compact')

    const again = await karafka(['topics', 'migrate', ...manifest])
    assert.equal(again.code, 0)
    assert.match(again.stdout, /nothing to do/)
    assert.equal((await karafka(['topics', 'plan', '--detailed-exitcode', ...manifest])).code, 0, 'nothing to do')

    writeFileSync(path.join(project.dir, 'karafka.yml'), manifestText(users, 5, 'cleanup.policy: compact'))
    assert.equal((await karafka(['topics', 'migrate', ...manifest])).code, 0)
    const grown = await admin.fetchTopicMetadata({ topics: [users] })
    assert.equal(grown.topics[0]!.partitions.length, 5)

    writeFileSync(path.join(project.dir, 'karafka.yml'), manifestText(users, 2, 'cleanup.policy: compact'))
    const lowered = await karafka(['topics', 'migrate', ...manifest])
    assert.equal(lowered.code, 2)
    assert.match(
      lowered.stderr,
      new RegExp(`karafka\\.yml:5:3 topics\\.${users}: has 5 partitions and the manifest asks for 2: Kafka cannot remove partitions`),
    )
    assert.match(lowered.stderr, /refused: nothing was changed/)
    const unchanged = await admin.fetchTopicMetadata({ topics: [users] })
    assert.equal(unchanged.topics[0]!.partitions.length, 5)

    const list = await karafka(['topics', 'list', ...manifest])
    assert.match(list.stdout, new RegExp(`${users} +5 +1 +yes +cleanup.policy=compact`))
    await admin.disconnect()
  })

  it('on a compacted topic, a tombstone deletes the key: after compaction it is gone when read from the beginning', async () => {
    const users = uniqueName('users')
    const config =
      'cleanup.policy: compact, segment.ms: 100, min.cleanable.dirty.ratio: 0.01, delete.retention.ms: 100, min.compaction.lag.ms: 0'
    const app = await createTestApp('compaction', manifestText(users, 1, config), {})
    apps.push(app)
    const responder = app.generated.responders[users]
    await responder.userCreated({ id: 1, email: 'gone@x.io' })
    await responder.userCreated({ id: 2, email: 'kept@x.io' })
    await responder.tombstone(1)
    let filler = 100
    let records: Awaited<ReturnType<typeof readAll>> = []
    await waitFor(
      'compaction to remove key 1',
      async () => {
        // New messages after segment.ms roll the segment, so the cleaner may compact the old one.
        await new Promise((resolve) => setTimeout(resolve, 300))
        await responder.userCreated({ id: filler++, email: 'filler@x.io' })
        records = await readAll(users)
        return !records.some((r) => r.key === '1')
      },
      90_000,
    )
    assert.ok(
      records.some((r) => r.key === '2' && r.value !== null),
      'key 2 is kept',
    )
    assert.ok(records.length < filler - 100 + 3, 'the log was compacted')
  })

  it('reset to earliest makes a restarted group handle the topic again from the start; to a time, from the first message at or after it; lag counts what is left', async () => {
    const [users, group] = [uniqueName('users'), uniqueName('replay')]
    const app = await createTestApp(
      'replay',
      manifestText(users, 2, '', `consumerGroups:\n  ${group}:\n    topics:\n      ${users}: { handler: handlers/users.ts }\n`),
      {
        'handlers/users.ts': recordingHandler('replay', group, users),
      },
    )
    apps.push(app)
    const manifest = ['--manifest', path.join(app.dir, 'karafka.yml')]
    for (let id = 0; id < 6; id++) await app.generated.responders[users].userCreated({ id, email: `${id}@x.io` })
    await new Promise((resolve) => setTimeout(resolve, 50))
    const midpoint = new Date()
    await new Promise((resolve) => setTimeout(resolve, 50))
    for (let id = 6; id < 10; id++) await app.generated.responders[users].userCreated({ id, email: `${id}@x.io` })

    const lagBefore = JSON.parse((await karafka(['lag', '--json', ...manifest])).stdout) as { lag: number }[]
    assert.equal(
      lagBefore.reduce((sum, r) => sum + r.lag, 0),
      10,
      'nothing consumed yet',
    )

    let server = await app.start()
    await waitFor('10 messages', () => (app.seen[`${group}/${users}`]?.length ?? 0) >= 10)
    await server.stop()
    const lagAfter = JSON.parse((await karafka(['lag', '--json', ...manifest])).stdout) as { lag: number }[]
    assert.equal(
      lagAfter.reduce((sum, r) => sum + r.lag, 0),
      0,
    )

    const reset = await karafka(['topics', 'reset', group, users, '--to', 'earliest', ...manifest])
    assert.equal(reset.code, 0, reset.stderr)
    assert.match(reset.stdout, /group .* will read .* from earliest/)
    server = await app.start()
    await waitFor('a replay of all 10', () => (app.seen[`${group}/${users}`]?.length ?? 0) >= 20)
    // While the group runs, a reset is refused.
    const busy = await karafka(['topics', 'reset', group, users, '--to', 'earliest', ...manifest])
    assert.equal(busy.code, 1)
    assert.match(busy.stderr, /has 1 active member .* cannot be moved while it runs/)
    await server.stop()

    const partial = await karafka(['topics', 'reset', group, users, '--to', midpoint.toISOString(), ...manifest])
    assert.equal(partial.code, 0, partial.stderr)
    const lagPartial = JSON.parse((await karafka(['lag', '--json', ...manifest])).stdout) as { lag: number }[]
    assert.equal(
      lagPartial.reduce((sum, r) => sum + r.lag, 0),
      4,
      'lag counts the messages after the time',
    )
    server = await app.start()
    await waitFor('the 4 messages after the time', () => (app.seen[`${group}/${users}`]?.length ?? 0) >= 24)
    await new Promise((resolve) => setTimeout(resolve, 500))
    await server.stop()
    const replayed = app.seen[`${group}/${users}`]!.slice(20)
      .map((m) => (m.payload as { id: number }).id)
      .sort((a, b) => a - b)
    assert.deepEqual(replayed, [6, 7, 8, 9])
  })

  it('produce sends through the responder validation; bad JSON and bad payloads exit 2 and send nothing', async () => {
    const users = uniqueName('users')
    const app = await createTestApp('produce', manifestText(users, 1, ''), {})
    apps.push(app)
    const manifest = ['--manifest', path.join(app.dir, 'karafka.yml')]
    const sent = await karafka(['produce', users, 'user_created', '{"id":7,"email":"a@b.c"}', ...manifest])
    assert.equal(sent.code, 0, sent.stderr)
    assert.match(sent.stdout, new RegExp(`sent user_created to ${users}/0@0 \\(key 7\\)`))
    const badJson = await karafka(['produce', users, 'user_created', '{id:7}', ...manifest])
    assert.equal(badJson.code, 2)
    assert.match(badJson.stderr, /the payload is not JSON/)
    const badPayload = await karafka(['produce', users, 'user_created', '{"id":"7"}', ...manifest])
    assert.equal(badPayload.code, 2)
    assert.match(
      badPayload.stderr,
      /invalid user_created payload for .*: id: expected number, received string; email: expected string, received undefined/,
    )
    const unknown = await karafka(['produce', users, 'user_renamed', '{}', ...manifest])
    assert.equal(unknown.code, 2)
    const tomb = await karafka(['produce', users, '--tombstone', '7', ...manifest])
    assert.equal(tomb.code, 0, tomb.stderr)
    const records = await readAll(users)
    assert.deepEqual(
      records.map((r) => [r.key, r.value]),
      [
        ['7', '{"event_name":"user_created","payload":{"id":7,"email":"a@b.c"}}'],
        ['7', null],
      ],
    )
  })
})
