import assert from 'node:assert/strict'
import { after, before, it } from 'node:test'
import type { Admin } from 'kafkajs'
import { testKafka, uniqueName } from '../../helpers/kafka.js'

const kafka = testKafka()
let admin: Admin

before(async () => {
  admin = kafka.admin()
  await admin.connect()
})
after(() => admin.disconnect())

it('the test broker is a real single-node Kafka that round-trips messages through a consumer group', async () => {
  const cluster = await admin.describeCluster()
  assert.equal(cluster.brokers.length, 1)
  const topic = uniqueName('round-trip')
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })
  const producer = kafka.producer()
  await producer.connect()
  const sent = Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 5}`, value: JSON.stringify({ i }) }))
  await producer.send({ topic, messages: sent })
  await producer.disconnect()

  const consumer = kafka.consumer({ groupId: uniqueName('round-trip-group') })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const seen: { key: string; i: number; partition: number }[] = []
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ message, partition }) => {
          seen.push({ key: String(message.key), i: (JSON.parse(String(message.value)) as { i: number }).i, partition })
          if (seen.length === sent.length) resolve()
        },
      })
      .catch(reject)
  })
  await consumer.disconnect()

  assert.deepEqual(
    seen.map((m) => m.i).sort((a, b) => a - b),
    sent.map((_, i) => i),
  )
  for (const key of ['k0', 'k1', 'k2', 'k3', 'k4']) {
    const ofKey = seen.filter((m) => m.key === key)
    assert.equal(new Set(ofKey.map((m) => m.partition)).size, 1, `${key} spread over partitions`)
    assert.deepEqual(
      ofKey.map((m) => m.i),
      [...ofKey.map((m) => m.i)].sort((a, b) => a - b),
      `${key} out of order`,
    )
  }
})

it('has the one-node group settings: offsets topic replicated once, so groups commit at once', async () => {
  const groupId = uniqueName('commit-group')
  const topic = uniqueName('commit')
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
  await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '0' }] })
  const [fetched] = await admin.fetchOffsets({ groupId, topics: [topic] })
  assert.deepEqual(
    fetched?.partitions.map((p) => p.offset),
    ['0'],
  )
})
