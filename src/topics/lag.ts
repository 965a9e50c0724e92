import type { Admin, Kafka } from 'kafkajs'
import { withAdmin } from '../kafka/admin.js'

export interface PartitionLag {
  group: string
  topic: string
  partition: number
  /** The committed offset, or -1 when the group has none. */
  committed: string
  /** The end offset (high watermark). */
  end: string
  /** Messages not consumed yet: end - committed, or end - start of log when nothing is committed. */
  lag: number
}

/** Committed offset, end offset and lag of each partition of each group's topics. */
export async function readLag(kafka: Kafka, groups: Record<string, string[]>): Promise<PartitionLag[]> {
  return withAdmin(kafka, (admin) => readLagWith(admin, groups))
}

/**
 * Reads the lag again and again through one admin connection (the metrics endpoint's scrapes):
 * connected on the first read, and again after a read fails.
 */
export function lagReader(kafka: Kafka, groups: Record<string, string[]>): { read(): Promise<PartitionLag[]>; close(): Promise<void> } {
  let admin: Admin | undefined
  let connected: Promise<void> | undefined
  const drop = async () => {
    const old = admin
    admin = undefined
    connected = undefined
    await old?.disconnect().catch(() => {})
  }
  return {
    async read() {
      admin ??= kafka.admin()
      connected ??= admin.connect()
      try {
        await connected
        return await readLagWith(admin, groups)
      } catch (error) {
        await drop()
        throw error
      }
    },
    close: drop,
  }
}

async function readLagWith(admin: Admin, groups: Record<string, string[]>): Promise<PartitionLag[]> {
  const rows: PartitionLag[] = []
  const ends = new Map<string, { partition: number; high: string; low: string }[]>()
  for (const [group, topics] of Object.entries(groups)) {
    const committed = await admin.fetchOffsets({ groupId: group, topics })
    for (const topic of topics) {
      if (!ends.has(topic)) ends.set(topic, await admin.fetchTopicOffsets(topic))
      for (const end of ends.get(topic)!) {
        const offset = committed.find((c) => c.topic === topic)?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1'
        const from = offset === '-1' ? BigInt(end.low) : BigInt(offset)
        rows.push({ group, topic, partition: end.partition, committed: offset, end: end.high, lag: Number(BigInt(end.high) - from) })
      }
    }
  }
  return rows.sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic) || a.partition - b.partition)
}
