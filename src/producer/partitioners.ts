import { crc32 } from 'node:zlib'
import type { PartitionMetadata } from 'kafkajs'
import { Partitioners } from '../kafka/kafkajs.js'

/**
 * How a record's key picks its partition. `murmur2`: the Java client's and kafkajs's default.
 * `crc32`: librdkafka's default (`consistent_random`), used by kcat, the confluent-kafka
 * clients for Python, Go and .NET, and Ruby's WaterDrop and Karafka.
 */
export const PARTITIONERS = ['murmur2', 'crc32'] as const
export type PartitionerName = (typeof PARTITIONERS)[number]

/** kafkajs's partitioner call: the topic's partitions and the message; returns its partition. */
export type PartitionFn = (args: {
  topic: string
  partitionMetadata: PartitionMetadata[]
  message: { key?: Buffer | string | null; value?: unknown; headers?: unknown }
}) => number

/**
 * librdkafka's `consistent_random`: the CRC-32 (IEEE, as zlib's) of the key bytes, modulo the
 * partition count. Records without a key, or with an empty one, are spread round-robin over
 * the available partitions, as kafkajs does with them (librdkafka picks at random).
 */
function createCrc32Partitioner(): PartitionFn {
  const counters = new Map<string, number>()
  return ({ topic, partitionMetadata, message }) => {
    const key = message.key
    if (key !== null && key !== undefined && key.length > 0) return crc32(key) % partitionMetadata.length
    const available = partitionMetadata.filter((p) => p.leader >= 0)
    const choices = available.length > 0 ? available : partitionMetadata
    const next = ((counters.get(topic) ?? Math.floor(Math.random() * 2 ** 31)) + 1) & 0x7fffffff
    counters.set(topic, next)
    return choices[next % choices.length]!.partitionId
  }
}

/** A partitioner of each kind, for a sender that writes to topics partitioned either way. */
export function createPartitioners(): Record<PartitionerName, PartitionFn> {
  return { murmur2: Partitioners.DefaultPartitioner() as PartitionFn, crc32: createCrc32Partitioner() }
}
