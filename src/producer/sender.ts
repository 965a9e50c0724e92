import type { Admin, Message as KafkaMessage, PartitionMetadata, Producer, RecordMetadata } from 'kafkajs'
import { KarafkaError } from '../errors/index.js'
import { retry } from '../retry/backoff.js'
import { isKafkaUnreachable } from '../retry/kafka-errors.js'
import { createPartitioners, type PartitionerName } from './partitioners.js'

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
 * await each send. Each topic's partitioner (murmur2, Java-compatible, unless `partitionerOf`
 * says crc32) picks the partition here, so each call resolves with its own partition and offset.
 */
export class OrderedSender implements RecordSender {
  private queue: Pending[] = []
  private draining: Promise<void> | undefined
  private readonly partitions = new Map<string, { at: number; metadata: PartitionMetadata[] }>()
  private readonly partitioners = createPartitioners()

  constructor(
    private readonly producer: () => Promise<BatchSender>,
    private readonly admin: () => Promise<Pick<Admin, 'fetchTopicMetadata'>>,
    private readonly partitionerOf: (topic: string) => PartitionerName = () => 'murmur2',
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
        const { topic, record } = pending
        let list = byTopic.get(topic)
        if (!list) {
          list = []
          byTopic.set(topic, list)
        }
        const headers = record.headers ?? {}
        const partition = this.partitioners[this.partitionerOf(topic)]({
          topic,
          message: { key: record.key, value: record.value, headers },
          partitionMetadata: this.knownPartitions(topic, list.length === 0) ?? (await this.lookUpPartitions(topic)),
        })
        list.push({ pending, message: { key: record.key, value: record.value, headers, partition } })
      }
      const producer = await this.producer()
      const results = await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list.map((entry) => entry.message) })),
      })
      settle(byTopic, results)
    } catch (error) {
      const failure =
        error instanceof KarafkaError
          ? error
          : new KarafkaError('PRODUCE_FAILED', `sending ${batch.length} message(s) failed: ${(error as Error).message}`, {
              cause: error,
              retriable: true,
            })
      for (const pending of batch) pending.reject(failure)
    }
  }

  /** The partitions of a topic as the partitioner wants them, if known; looked up again once they are older than the TTL (checked once per topic and batch). */
  private knownPartitions(topic: string, checkAge: boolean): PartitionMetadata[] | undefined {
    const known = this.partitions.get(topic)
    return known && (!checkAge || Date.now() - known.at < METADATA_TTL_MS) ? known.metadata : undefined
  }

  private async lookUpPartitions(topic: string): Promise<PartitionMetadata[]> {
    const count = await this.partitionCount(topic)
    const metadata = Array.from({ length: count }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
    }))
    this.partitions.set(topic, { at: Date.now(), metadata })
    return metadata
  }

  private async partitionCount(topic: string): Promise<number> {
    let count: number
    try {
      // A topic created a moment ago (by topics migrate) may not be in this broker's metadata yet: asked again for about 1.5 s.
      const metadata = await retry(async () => (await this.admin()).fetchTopicMetadata({ topics: [topic] }), {
        tries: 5,
        policy: { initialMs: 100, maxMs: 800, jitter: 0 },
        isRetriable: (error) => NEW_TOPIC_ERRORS.has((error as { type?: string }).type ?? ''),
      })
      count = metadata.topics[0]?.partitions.length ?? 0
      if (count === 0) throw new KarafkaError('PRODUCE_FAILED', 'the topic has no partitions', { topic })
    } catch (cause) {
      const unreachable = isKafkaUnreachable(cause)
      throw new KarafkaError('PRODUCE_FAILED', `cannot send to topic "${topic}": ${(cause as Error).message}`, {
        cause,
        topic,
        retriable: true,
        hint: unreachable
          ? 'no broker answers: start one (karafka broker start, or karafka dev) or point app.brokers / KAFKA_BROKERS at yours'
          : 'create the manifest topics first: karafka topics migrate (karafka dev does it for you)',
      })
    }
    return count
  }
}

function settle(byTopic: Map<string, { pending: Pending; message: { partition: number } }[]>, results: RecordMetadata[]): void {
  for (const [topic, list] of byTopic) {
    // The nth message of a partition in this batch landed at that partition's base offset + n.
    const next = new Map<number, bigint>()
    for (const result of results)
      if (result.topicName === topic && result.baseOffset !== undefined) next.set(result.partition, BigInt(result.baseOffset))
    for (const { pending, message } of list) {
      const offset = next.get(message.partition)
      if (offset === undefined) {
        pending.reject(
          new KarafkaError('PRODUCE_FAILED', `no acknowledgement for ${topic}/${message.partition}`, {
            topic,
            partition: message.partition,
          }),
        )
        continue
      }
      next.set(message.partition, offset + 1n)
      pending.resolve({ topic, partition: message.partition, offset: String(offset) })
    }
  }
}

/** What a broker answers for a topic whose creation it has not caught up with yet. */
const NEW_TOPIC_ERRORS = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE'])
