import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { KarafkaError } from '../../../src/errors/index.js'
import { createTestApp, type TestApp } from '../../helpers/app.js'
import { testKafka, uniqueName } from '../../helpers/kafka.js'

const topic = uniqueName('people')
const MANIFEST = `app: { clientId: responders-test, brokers: "\${KAFKA_BROKERS}" }
topics:
  ${topic}:
    partitions: 4
    key: id
    events:
      person_created: { id: integer, name: string, seq: integer }
      person_deleted: { id: integer }
`

async function readAll(name: string, count: number) {
  const consumer = testKafka().consumer({ groupId: uniqueName('reader') })
  await consumer.connect()
  await consumer.subscribe({ topic: name, fromBeginning: true })
  const read: { partition: number; offset: string; key: string | null; value: string | null; headers: Record<string, string> }[] = []
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]))
          read.push({
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? null,
            headers,
          })
          if (read.length >= count) resolve()
        },
      })
      .catch(reject)
  })
  await consumer.disconnect()
  return read
}

describe('responders at run time (real broker)', () => {
  let app: TestApp
  before(async () => (app = await createTestApp('responders', MANIFEST, {})))
  after(() => app.remove())

  it('a thousand events of one key fired without awaiting arrive in call order, each resolving with its own offset', async () => {
    const responder = app.generated.responders[topic]
    const deliveries = await Promise.all(Array.from({ length: 1000 }, (_, seq) => responder.personCreated({ id: 7, name: `p${seq}`, seq })))
    const partitions = new Set(deliveries.map((d: { partition: number }) => d.partition))
    assert.equal(partitions.size, 1, 'one key, one partition')
    const offsets = deliveries.map((d: { offset: string }) => Number(d.offset))
    assert.deepEqual(
      offsets,
      [...offsets].sort((a, b) => a - b),
      'offsets follow call order',
    )
    assert.equal(new Set(offsets).size, 1000)
    const read = await readAll(topic, 1000)
    const seqs = read.filter((r) => r.key === '7').map((r) => (JSON.parse(r.value!) as { payload: { seq: number } }).payload.seq)
    assert.deepEqual(
      seqs,
      Array.from({ length: 1000 }, (_, i) => i),
    )
    const first = read.find((r) => r.offset === String(offsets[0]))!
    assert.deepEqual(JSON.parse(first.value!), { event_name: 'person_created', payload: { id: 7, name: 'p0', seq: 0 } })
    assert.equal(first.headers.event_name, 'person_created')
  })

  it('rejects an invalid payload with a clear error before anything is sent', async () => {
    const admin = testKafka().admin()
    await admin.connect()
    const before = await admin.fetchTopicOffsets(topic)
    await assert.rejects(
      app.generated.responders[topic].personCreated({ id: 'seven', name: 'x' }),
      (error: unknown) =>
        error instanceof KarafkaError &&
        error.code === 'EVENT_INVALID' &&
        /invalid person_created payload for .*: id: expected number, received string; seq: expected number, received undefined/.test(
          error.message,
        ),
    )
    const afterOffsets = await admin.fetchTopicOffsets(topic)
    await admin.disconnect()
    assert.deepEqual(
      afterOffsets.map((p) => p.high),
      before.map((p) => p.high),
    )
  })

  it("a tombstone is the key with a null value, on the key's partition", async () => {
    const created = await app.generated.responders[topic].personCreated({ id: 99, name: 'z', seq: 0 })
    const gone = await app.generated.responders[topic].tombstone(99)
    assert.equal(gone.partition, created.partition)
    const consumer = testKafka().consumer({ groupId: uniqueName('tomb') })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    const found = await new Promise<{ key: string; value: Buffer | null }>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            if (partition === gone.partition && message.offset === gone.offset) resolve({ key: String(message.key), value: message.value })
          },
        })
        .catch(reject)
    })
    await consumer.disconnect()
    assert.deepEqual(found, { key: '99', value: null })
  })
})
