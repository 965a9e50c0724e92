import assert from 'node:assert/strict'
import { it } from 'node:test'
import { createPartitioners } from '../../../src/producer/partitioners.js'

const partitions = (count: number) =>
  Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }))

it("crc32 is librdkafka's consistent_random: the IEEE CRC-32 of the key bytes modulo the partitions", () => {
  const { crc32 } = createPartitioners()
  // CRC-32 of "123456789" is 0xCBF43926 (the standard check value): 3421780262.
  assert.equal(crc32({ topic: 't', partitionMetadata: partitions(1000), message: { key: '123456789' } }), 3421780262 % 1000)
  assert.equal(crc32({ topic: 't', partitionMetadata: partitions(7), message: { key: Buffer.from('123456789') } }), 3421780262 % 7)
  // Multi-byte keys hash their UTF-8 bytes.
  assert.equal(
    crc32({ topic: 't', partitionMetadata: partitions(16), message: { key: 'jürgen' } }),
    crc32({ topic: 't', partitionMetadata: partitions(16), message: { key: Buffer.from('jürgen', 'utf8') } }),
  )
})

it('records without a key, or with an empty one, go round-robin over the available partitions', () => {
  const { crc32 } = createPartitioners()
  const metadata = partitions(4).map((p) => (p.partitionId === 2 ? { ...p, leader: -1 } : p))
  const chosen = Array.from({ length: 6 }, (_, i) =>
    crc32({ topic: 't', partitionMetadata: metadata, message: { key: i % 2 ? '' : null } }),
  )
  assert.ok(!chosen.includes(2), `no record for the partition without a leader: ${chosen}`)
  assert.deepEqual(new Set(chosen), new Set([0, 1, 3]), 'each available partition in turn')
})

it("murmur2 is kafkajs's (the Java client's) default partitioner", () => {
  const { murmur2 } = createPartitioners()
  // The Java client's Utils.murmur2("") is 275646681 (toPositive keeps it); over 3 partitions: 0.
  assert.equal(murmur2({ topic: 't', partitionMetadata: partitions(3), message: { key: Buffer.alloc(0) } }), 275646681 % 3)
})

it('murmur2 keeps the positive bits of a negative hash, as the Java client does (its own test values)', () => {
  const { murmur2 } = createPartitioners()
  // Apache Kafka's UtilsTest: murmur2("21") = -973932308, murmur2("foobar") = -790332482, murmur2("abc") = 479470107.
  for (const [key, hash] of [
    ['21', -973932308],
    ['foobar', -790332482],
    ['abc', 479470107],
  ] as const) {
    for (const count of [3, 7, 16])
      assert.equal(
        murmur2({ topic: 't', partitionMetadata: partitions(count), message: { key } }),
        (hash & 0x7fffffff) % count,
        `${key} over ${count}`,
      )
  }
})
