import { Partitioners, type Admin, type Message as KafkaMessage, type Producer, type RecordMetadata } from 'kafkajs'
import { KarafkaError } from '../errors/index.js'

/** Where a sent message landed. */
export interface Delivery {
  topic: string
  partition: number
  offset: string
}

/** A record to send: the key, the value (null for a tombstone) and headers. */
export interface OutgoingRecord {
  key: string | Buffer | null
  value: string | Buffer | null
  headers?: Record<string, string | Buffer>
}

/** Anything that sends records and says where they landed: the ordered sender, or a test double. */
export interface RecordSender {
  send(topic: string, record: OutgoingRecord): Promise<Delivery>
}

/** What the sender needs of a producer: kafkajs's Producer, or a Transaction, both qualify. */
export type BatchSender = Pick<Producer, 'sendBatch'>

interface Pending {
  topic: string
  record: OutgoingRecord
  resolve(delivery: Delivery): void
  reject(error: unknown): void
}

const MAX_BATCH_MESSAGES = 10_000
const MAX_BATCH_BYTES = 800_000
const METADATA_TTL_MS = 300_000

/**
 * Sends records in the order they were given, batching everything handed over while the
 * previous batch was in flight into one `sendBatch`. One batch is in flight at a time, so
 * records of one key (one partition) are written in call order even when callers do not
 * await each send. Partitions are chosen with kafkajs's default (Java-compatible murmur2)
 * partitioner, so each call resolves with its own partition and offset.
 */
export class OrderedSender implements RecordSender {
  private queue: Pending[] = []
  private draining: Promise<void> | undefined
  private readonly partitionCounts = new Map<string, { count: number; at: number }>()
  private readonly partitioner = Partitioners.DefaultPartitioner()

  constructor(
    private readonly producer: () => Promise<BatchSender>,
    private readonly admin: () => Promise<Pick<Admin, 'fetchTopicMetadata'>>,
  ) {}

  send(topic: string, record: OutgoingRecord): Promise<Delivery> {
    return new Promise<Delivery>((resolve, reject) => {
      this.queue.push({ topic, record, resolve, reject })
      this.draining ??= new Promise<void>((done) => setImmediate(done)).then(() => this.drain())
    })
  }

  /** Resolves once everything handed over so far is sent (or failed). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.sendBatch(this.takeBatch())
    } finally {
      this.draining = undefined
    }
  }

  private takeBatch(): Pending[] {
    let bytes = 0
    let count = 0
    while (count < this.queue.length && count < MAX_BATCH_MESSAGES && bytes < MAX_BATCH_BYTES) {
      const { record } = this.queue[count]!
      bytes += (record.value?.length ?? 0) + (record.key?.length ?? 0) + 64
      count++
    }
    return this.queue.splice(0, count)
  }

  private async sendBatch(batch: Pending[]): Promise<void> {
    try {
      const byTopic = new Map<string, { pending: Pending; message: KafkaMessage & { partition: number } }[]>()
      for (const pending of batch) {
        const partitions = await this.partitionCount(pending.topic)
        const message = { key: pending.record.key, value: pending.record.value, headers: pending.record.headers ?? {} }
        const partition = this.partitioner({ topic: pending.topic, message, partitionMetadata: partitionMetadata(partitions) })
        const list = byTopic.get(pending.topic) ?? []
        list.push({ pending, message: { ...message, partition } })
        byTopic.set(pending.topic, list)
      }
      const producer = await this.producer()
      const results = await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list.map((entry) => entry.message) })),
      })
      settle(byTopic, results)
    } catch (error) {
      const failure = error instanceof KarafkaError ? error : new KarafkaError('PRODUCE_FAILED', `sending ${batch.length} message(s) failed: ${(error as Error).message}`, { cause: error, retriable: true })
      for (const pending of batch) pending.reject(failure)
    }
  }

  private async partitionCount(topic: string): Promise<number> {
    const cached = this.partitionCounts.get(topic)
    if (cached && Date.now() - cached.at < METADATA_TTL_MS) return cached.count
    let count: number
    try {
      const metadata = await (await this.admin()).fetchTopicMetadata({ topics: [topic] })
      count = metadata.topics[0]?.partitions.length ?? 0
      if (count === 0) throw new Error('the topic has no partitions')
    } catch (cause) {
      const unreachable = /connect|ECONNREFUSED|ETIMEDOUT|ENOTFOUND|broker/i.test(String((cause as Error).message))
      throw new KarafkaError('PRODUCE_FAILED', `cannot send to topic "${topic}": ${(cause as Error).message}`, {
        cause,
        topic,
        retriable: true,
        hint: unreachable
          ? 'no broker answers: start one (karafka broker start, or karafka dev) or point app.brokers / KAFKA_BROKERS at yours'
          : 'create the manifest topics first: karafka topics migrate (karafka dev does it for you)',
      })
    }
    this.partitionCounts.set(topic, { count, at: Date.now() })
    return count
  }
}

function partitionMetadata(count: number) {
  return Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }))
}

function settle(byTopic: Map<string, { pending: Pending; message: { partition: number } }[]>, results: RecordMetadata[]): void {
  for (const [topic, list] of byTopic) {
    const seen = new Map<number, bigint>()
    for (const { pending, message } of list) {
      const result = results.find((r) => r.topicName === topic && r.partition === message.partition)
      const index = seen.get(message.partition) ?? 0n
      seen.set(message.partition, index + 1n)
      if (!result || result.baseOffset === undefined) {
        pending.reject(new KarafkaError('PRODUCE_FAILED', `no acknowledgement for ${topic}/${message.partition}`, { topic, partition: message.partition }))
        continue
      }
      pending.resolve({ topic, partition: message.partition, offset: String(BigInt(result.baseOffset) + index) })
    }
  }
}
