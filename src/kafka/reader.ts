import type { Kafka } from 'kafkajs'
import Batch from 'kafkajs/src/consumer/batch.js'

/** A record as read: offsets are strings, the timestamp epoch milliseconds, headers in order (a name may repeat). */
export interface ReadRecord {
  topic: string
  partition: number
  offset: string
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: [string, Buffer][]
}

export interface ReadRequest {
  topic: string
  partition: number
  /** The first offset wanted. */
  offset: string
}

export interface ReadResult extends ReadRequest {
  records: ReadRecord[]
  /**
   * Where the next fetch goes on from: past the last record this one covered, aborted and
   * control records included (a fetch of only those returns no record but still moves on).
   */
  next: string
  /** The offset after the last committed record of the partition (what a read_committed consumer reads up to). */
  end: string
}

/** What reader.ts uses of kafkajs's cluster (the object behind its producer, consumer and admin). */
interface Cluster {
  connect(): Promise<void>
  disconnect(): Promise<void>
  addMultipleTargetTopics(topics: string[]): Promise<void>
  refreshMetadata(): Promise<void>
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>
  findBroker(options: { nodeId: string }): Promise<{
    fetch(request: {
      maxWaitTime: number
      minBytes: number
      maxBytes: number
      isolationLevel: number
      topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[]
    }): Promise<{
      responses: { topicName: string; partitions: { partition: number; highWatermark: string; lastStableOffset?: string }[] }[]
    }>
  }>
}

const READ_COMMITTED = 1
const PARTITION_BYTES = 1_048_576

/**
 * Reads partitions from any offset without a consumer group: what a web UI needs to browse a
 * topic, list dead letters and follow the reports, where a group would join, rebalance and
 * leave per request and litter the cluster with groups. kafkajs has no public API for it, so
 * this fetches through the cluster object its own consumers use, made by the client with the
 * app's brokers, TLS and SASL (kafkajs is pinned to 2.2.4, its last release).
 */
export class PartitionReader {
  private cluster: Promise<Cluster> | undefined

  constructor(private readonly kafka: Kafka) {}

  /**
   * One fetch for all `requests`, waiting up to `maxWaitMs` for a first record (0: answer at
   * once). Each result holds the records at or after its offset that one fetch returned (up to
   * about 1 MB a partition), aborted transactions and control records left out.
   */
  async fetch(requests: ReadRequest[], maxWaitMs = 0): Promise<ReadResult[]> {
    if (requests.length === 0) return []
    const cluster = await this.connected()
    try {
      await cluster.addMultipleTargetTopics([...new Set(requests.map((r) => r.topic))])
      const byLeader = new Map<string, ReadRequest[]>()
      for (const request of requests) {
        const leaders = cluster.findLeaderForPartitions(request.topic, [request.partition])
        const leader = Object.keys(leaders)[0]
        if (leader === undefined) throw new Error(`${request.topic}/${request.partition} has no leader (does the topic exist?)`)
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), request])
      }
      const answers = await Promise.all(
        [...byLeader].map(async ([nodeId, list]) => {
          const broker = await cluster.findBroker({ nodeId })
          const topics = [...new Set(list.map((r) => r.topic))].map((topic) => ({
            topic,
            partitions: list
              .filter((r) => r.topic === topic)
              .map((r) => ({ partition: r.partition, fetchOffset: r.offset, maxBytes: PARTITION_BYTES })),
          }))
          const { responses } = await broker.fetch({
            maxWaitTime: maxWaitMs,
            minBytes: 1,
            maxBytes: PARTITION_BYTES * list.length,
            isolationLevel: READ_COMMITTED,
            topics,
          })
          return responses
        }),
      )
      return requests.map((request) => {
        for (const responses of answers)
          for (const response of responses) {
            if (response.topicName !== request.topic) continue
            const data = response.partitions.find((p) => p.partition === request.partition)
            if (data) return { ...request, ...toRecords(request, data), end: endOf(data) }
          }
        return { ...request, records: [], next: request.offset, end: request.offset }
      })
    } catch (error) {
      await this.reset()
      throw error
    }
  }

  /** Up to `count` records of one partition from `offset` on, stopping at `end` (fetched again until then). */
  async read(topic: string, partition: number, offset: string, count: number, end: string): Promise<ReadRecord[]> {
    const records: ReadRecord[] = []
    let next = BigInt(offset)
    while (records.length < count && next < BigInt(end)) {
      const [result] = await this.fetch([{ topic, partition, offset: String(next) }])
      if (!result || BigInt(result.next) <= next) break // nothing more to read there now
      records.push(...result.records.slice(0, count - records.length))
      next = BigInt(result.next)
    }
    return records
  }

  async close(): Promise<void> {
    await this.reset()
  }

  private connected(): Promise<Cluster> {
    this.cluster ??= (async () => {
      const cluster = createCluster(this.kafka)
      await cluster.connect()
      return cluster
    })()
    const pending = this.cluster
    pending.catch(() => {
      if (this.cluster === pending) this.cluster = undefined
    })
    return pending
  }

  private async reset(): Promise<void> {
    const old = this.cluster
    this.cluster = undefined
    await old?.then((c) => c.disconnect()).catch(() => {})
  }
}

/** The client's own cluster factory (a private member of kafkajs's Kafka class). */
function createCluster(kafka: Kafka): Cluster {
  const key = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster')
  const create = key && (kafka as unknown as Record<symbol, unknown>)[key]
  if (typeof create !== 'function') throw new Error('this kafkajs version has no cluster factory: karafka-ts needs kafkajs 2.2.4')
  return (create as (options: object) => Cluster)({ metadataMaxAge: 60_000, allowAutoTopicCreation: false, isolationLevel: READ_COMMITTED })
}

function endOf(data: { highWatermark: string; lastStableOffset?: string }): string {
  const stable = data.lastStableOffset
  return stable !== undefined && stable !== '-1' && BigInt(stable) < BigInt(data.highWatermark) ? stable : data.highWatermark
}

function toRecords(request: ReadRequest, data: unknown): { records: ReadRecord[]; next: string } {
  const batch = new Batch(request.topic, request.offset, data)
  // What the fetch covered, aborted and control records included (those kafkajs filters out of `messages`).
  const covered = batch.messagesWithinOffset.at(-1)?.offset
  const records = batch.messages.map((m) => ({
    topic: request.topic,
    partition: request.partition,
    offset: m.offset,
    timestamp: Number(m.timestamp),
    key: m.key,
    value: m.value,
    headers: Object.entries(m.headers ?? {}).flatMap(([name, value]) =>
      value === undefined ? [] : (Array.isArray(value) ? value : [value]).map((v): [string, Buffer] => [name, Buffer.from(v)]),
    ),
  }))
  return { records, next: covered === undefined ? request.offset : String(BigInt(covered) + 1n) }
}
