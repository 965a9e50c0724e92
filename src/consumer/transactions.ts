import type { Admin, Kafka, Producer, Transaction } from 'kafkajs'
import { KarafkaError } from '../errors/index.js'
import type { PartitionerName } from '../producer/partitioners.js'
import { OrderedSender } from '../producer/sender.js'
import type { StagedRecord } from '../producer/staged.js'
import { retry } from '../retry/backoff.js'
import { causeChain, isRetriableKafkaError } from '../retry/kafka-errors.js'

/** What the runner needs for a transactional route: take a partition over, and commit a batch's records with its offset. */
export interface TransactionalWriter {
  /**
   * Takes the partition over for this member: a producer with the partition's transactional
   * id registers with the broker, which fences every earlier producer of that id (a zombie of
   * a previous owner can no longer commit) and ends its open transaction. Resolves with the
   * group's committed offset as it stands after that, undefined when the group has none.
   */
  claim(topic: string, partition: number): Promise<string | undefined>
  /**
   * Writes `records` and commits `offset` (the next one to read) for the partition in one
   * transaction: all of it becomes visible to read_committed readers, or none of it.
   * @throws KarafkaError TRANSACTION_FENCED when another producer claimed the partition since; TRANSACTION_FAILED otherwise (aborted).
   */
  commit(topic: string, partition: number, records: StagedRecord[], offset: string): Promise<void>
  /** Lets go of the producers of partitions not in `keep` (`topic/partition` keys). */
  release(keep: Set<string>): void
  close(): Promise<void>
}

interface PartitionProducer {
  producer: Promise<Producer>
  /** Sends a transaction's records in call order, partitioned as the responders partition. */
  sender: OrderedSender
  transaction: Transaction | undefined
}

/**
 * Right after a commit, the coordinator answers the next transaction's first request with
 * CONCURRENT_TRANSACTIONS until the previous one's markers are written (a few ms here). kafkajs
 * retries it after its usual 300 ms; Kafka's Java producer after 20 ms. Short retries keep
 * back-to-back transactions of a partition from waiting for nothing (3.7x the throughput at
 * batches of 10 in the bench).
 */
const CONCURRENT_RETRY = { initialRetryTime: 10, maxRetryTime: 1_000, retries: Number.MAX_SAFE_INTEGER }

const isConcurrent = (error: unknown) => causeChain(error).some((e) => (e as { type?: unknown } | null)?.type === 'CONCURRENT_TRANSACTIONS')

/**
 * The transactional id of a partition of a group: one owner at a time, so a new owner's
 * producer fences the previous one's. Group and topic names cannot hold ':'.
 */
export function transactionalId(group: string, topic: string, partition: number): string {
  return `${group}:${topic}:${partition}`
}

/**
 * Kafka transactions for the partitions a consumer group member owns: one transactional
 * producer per partition (kafkajs runs one transaction at a time per producer, and the
 * per-partition id is what fences a zombie: its TxnOffsetCommit carries no group generation).
 */
export class KafkaTransactions implements TransactionalWriter {
  private readonly partitions = new Map<string, PartitionProducer>()
  private admin: Promise<Admin> | undefined

  constructor(
    private readonly options: {
      kafka: Kafka
      group: string
      /** How long the broker lets a transaction stay open before it aborts it. */
      transactionTimeoutMs?: number
      /** Each topic's partitioner, as the responders partition. */
      partitionerOf?: (topic: string) => PartitionerName
    },
  ) {}

  async claim(topic: string, partition: number): Promise<string | undefined> {
    const key = `${topic}/${partition}`
    this.drop(key)
    const { kafka, group } = this.options
    const producer = kafka.producer({
      transactionalId: transactionalId(group, topic, partition),
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.options.transactionTimeoutMs ?? 60_000,
      retry: CONCURRENT_RETRY,
    })
    const entry: PartitionProducer = {
      producer: producer.connect().then(() => producer),
      sender: new OrderedSender(
        async () => {
          if (!entry.transaction)
            throw new KarafkaError('TRANSACTION_FAILED', 'no transaction is open for this partition', { retriable: true })
          return entry.transaction
        },
        () => this.getAdmin(),
        this.options.partitionerOf,
      ),
      transaction: undefined,
    }
    this.partitions.set(key, entry)
    try {
      // kafkajs registers the id (InitProducerId) with its first transaction: an empty one sends nothing else.
      const first = await (await entry.producer).transaction()
      await first.abort()
      const [offsets] = await (await this.getAdmin()).fetchOffsets({ groupId: group, topics: [topic] })
      const committed = offsets?.partitions.find((p) => p.partition === partition)?.offset
      return committed === undefined || committed === '-1' ? undefined : committed
    } catch (error) {
      this.drop(key)
      throw failure(error, topic, partition, 'taking the partition over')
    }
  }

  async commit(topic: string, partition: number, records: StagedRecord[], offset: string): Promise<void> {
    const key = `${topic}/${partition}`
    const entry = this.partitions.get(key)
    if (!entry) throw new KarafkaError('TRANSACTION_FAILED', `${key} has not been claimed`, { topic, partition, retriable: true })
    let transaction: Transaction | undefined
    try {
      transaction = await (await entry.producer).transaction()
      entry.transaction = transaction
      await Promise.all(records.map(({ topic: to, record }) => entry.sender.send(to, record)))
      // With nothing sent before it, AddOffsetsToTxn meets the previous transaction still completing, and kafkajs does not retry that.
      await retry(
        () => transaction!.sendOffsets({ consumerGroupId: this.options.group, topics: [{ topic, partitions: [{ partition, offset }] }] }),
        {
          policy: { initialMs: CONCURRENT_RETRY.initialRetryTime, maxMs: CONCURRENT_RETRY.maxRetryTime },
          tries: 30,
          isRetriable: isConcurrent,
        },
      )
      await transaction.commit()
    } catch (error) {
      await transaction?.abort().catch(() => {}) // a fenced producer cannot abort either; the broker ends its transaction
      // After a failure the producer's state is unknown: the partition is claimed again before its next transaction.
      this.drop(key)
      throw failure(error, topic, partition, `committing ${records.length} record(s) with offset ${offset}`)
    } finally {
      entry.transaction = undefined
    }
  }

  release(keep: Set<string>): void {
    for (const key of this.partitions.keys()) if (!keep.has(key)) this.drop(key)
  }

  async close(): Promise<void> {
    const producers = [...this.partitions.values()].map((entry) => entry.producer)
    this.partitions.clear()
    const admin = this.admin
    this.admin = undefined
    await Promise.all([...producers, ...(admin ? [admin] : [])].map((client) => client.then((c) => c.disconnect()).catch(() => {})))
  }

  private drop(key: string): void {
    const entry = this.partitions.get(key)
    if (!entry) return
    this.partitions.delete(key)
    entry.producer.then((p) => p.disconnect()).catch(() => {})
  }

  private getAdmin(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.options.kafka.admin()
      await admin.connect()
      return admin
    })().catch((error: unknown) => {
      this.admin = undefined
      throw error
    })
    return this.admin
  }
}

/**
 * Kafka's answers that mean a newer producer holds the transactional id: INVALID_PRODUCER_EPOCH
 * (47), or PRODUCER_FENCED (90), which kafkajs 2.2.4 does not know and reports as "Unknown error code 90".
 */
export function isFenced(error: unknown): boolean {
  return causeChain(error).some((e) => {
    const { type, code, message } = (e ?? {}) as { type?: unknown; code?: unknown; message?: unknown }
    return (
      (e instanceof KarafkaError && e.code === 'TRANSACTION_FENCED') ||
      type === 'INVALID_PRODUCER_EPOCH' ||
      code === 47 ||
      (typeof message === 'string' && /\bUnknown error code 90\b/.test(message))
    )
  })
}

/**
 * The error of a failed claim or commit, as the runner needs it: fenced, or failed; `retriable`
 * when Kafka may accept it next time (the broker away, a coordinator moving), not when it will
 * refuse it again (a record too large, a topic it may not write).
 */
function failure(error: unknown, topic: string, partition: number, doing: string): KarafkaError {
  const fenced = isFenced(error)
  return new KarafkaError(
    fenced ? 'TRANSACTION_FENCED' : 'TRANSACTION_FAILED',
    fenced
      ? `${topic}/${partition}: another producer took the partition over while this one was ${doing}; nothing of it was committed`
      : `${topic}/${partition}: ${doing} failed, so the transaction was aborted: ${(error as Error).message}`,
    {
      cause: error,
      topic,
      partition,
      retriable:
        !fenced && (isRetriableKafkaError(error) || (error instanceof KarafkaError && error.retriable && error.code !== 'PRODUCE_FAILED')),
    },
  )
}
