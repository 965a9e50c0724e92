import type { Admin, Kafka } from 'kafkajs'
import { createKafka } from '../../kafka/client.js'
import { TOPIC_RESOURCE } from '../../kafka/config-types.js'
import { PartitionReader, type ReadRecord } from '../../kafka/reader.js'
import type { Manifest } from '../../manifest/types.js'
import { createProducerRuntime, type ProducerRuntime } from '../../producer/producer-runtime.js'
import type { Delivery } from '../../producer/sender.js'
import { lagReader, type PartitionLag } from '../../topics/lag.js'
import { parseErrorRecord, parseReport } from '../report.js'
import { TopicFollower } from './follower.js'
import { CachedReading, type Reading, within } from './reading.js'
import { ErrorsStore, HISTORY_MS, type LagSample, ReportsStore } from './reports-store.js'
import { originalRecord } from './republish.js'

/** How long a page waits for the cluster before it shows what it has (or says it could not ask). */
const ANSWER_MS = 5_000
/** How often the UI reads the lag for the dashboard's chart. */
const LAG_SAMPLE_MS = 5_000
/** How many of the errors topic's last records are read at start. */
const ERRORS_KEPT = 1_000

export interface PartitionOffsets {
  partition: number
  low: string
  high: string
}

export interface TopicOverview {
  name: string
  partitions: number
  replicationFactor: number
  /** Records between the first and the end offsets (a compacted topic holds fewer). */
  messages: number
  offsets: PartitionOffsets[]
}

export interface TopicDetail extends TopicOverview {
  leaders: { partition: number; leader: number; replicas: number[]; isr: number[] }[]
  /** Configs set on the topic (not broker defaults). */
  configs: [string, string][]
}

/**
 * What the UI knows of the cluster: the reports and errors topics, followed in the background
 * from the start; the lag, topics and watermarks, read when a page asks (reused for a few
 * seconds, never waited on for long); records read by offset; and the republish action.
 * Nothing here joins a consumer group or writes, except republish.
 */
export class WebData {
  readonly reports = new ReportsStore()
  readonly errors = new ErrorsStore(ERRORS_KEPT)
  readonly follower: TopicFollower
  readonly startedAt = Date.now()
  /** The lag of each group, read every few seconds since the UI started (the last hour of it). */
  readonly lagSamples: LagSample[] = []
  private sampler: NodeJS.Timeout | undefined
  private readonly kafka: Kafka
  private readonly reader: PartitionReader
  private adminConnection: Promise<Admin> | undefined
  private readonly lagReading: { read(): Promise<PartitionLag[]>; close(): Promise<void> }
  private readonly lag: CachedReading<PartitionLag[]>
  private readonly topicList: CachedReading<TopicOverview[]>
  private producer: ProducerRuntime | undefined

  constructor(private readonly manifest: Manifest) {
    this.kafka = createKafka(manifest.app, '-web')
    this.reader = new PartitionReader(this.kafka)
    const groups = Object.fromEntries(Object.entries(manifest.consumerGroups).map(([group, routes]) => [group, routes.map((r) => r.topic)]))
    this.lagReading = lagReader(this.kafka, groups)
    this.lag = new CachedReading(() => this.lagReading.read(), 2_000)
    this.topicList = new CachedReading(() => this.withAdmin((admin) => readTopics(admin)), 3_000)
    this.follower = new TopicFollower(this.reader, () => this.admin(), [
      {
        topic: manifest.web.reportsTopic,
        startAt: (low) => low,
        onRecord: (record) =>
          this.reports.add(record.key?.toString('utf8') ?? '', record.value === null ? null : parseReport(record.value)),
      },
      {
        topic: manifest.web.errorsTopic,
        startAt: (low, high) => (high - low > BigInt(ERRORS_KEPT) ? high - BigInt(ERRORS_KEPT) : low),
        onRecord: (record) => this.errors.add(parseErrorRecord(record.value)),
      },
    ])
  }

  /** Begins following the reports and errors topics (in the background: it returns at once). */
  start(): void {
    this.follower.start()
    const sample = () =>
      void this.lag.get().then(({ value, at }) => {
        if (!value || at === undefined || this.lagSamples.at(-1)?.at === at) return
        const groups: Record<string, number> = {}
        for (const row of value) groups[row.group] = (groups[row.group] ?? 0) + row.lag
        this.lagSamples.push({ at, groups })
        while (this.lagSamples.length > 0 && this.lagSamples[0]!.at < Date.now() - HISTORY_MS) this.lagSamples.shift()
      })
    sample()
    this.sampler = setInterval(sample, LAG_SAMPLE_MS).unref()
  }

  async close(): Promise<void> {
    clearInterval(this.sampler)
    await this.follower.stop()
    await Promise.all([
      this.reader.close(),
      this.lagReading.close(),
      this.adminConnection?.then((a) => a.disconnect()).catch(() => {}),
      this.producer?.close(),
    ])
  }

  /** Committed offset, end offset and lag of each partition of each group of the manifest. */
  lagRows(): Promise<Reading<PartitionLag[]>> {
    return this.lag.get()
  }

  /** Every topic but Kafka's internal ones, with partitions and offsets. */
  topics(): Promise<Reading<TopicOverview[]>> {
    return this.topicList.get()
  }

  /** One topic's partitions (leaders, replicas, watermarks) and the configs set on it; undefined when it does not exist. */
  async topic(name: string): Promise<TopicDetail | undefined> {
    return within(
      this.withAdmin(async (admin) => {
        if (!(await admin.listTopics()).includes(name)) return undefined
        const [overview] = await readTopics(admin, [name])
        const metadata = await admin.fetchTopicMetadata({ topics: [name] })
        const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC_RESOURCE, name }] })
        const configs = (described.resources[0]?.configEntries ?? [])
          .filter((e) => !e.isDefault && (e as { configSource?: number }).configSource === 1)
          .map((e): [string, string] => [e.configName, e.isSensitive ? '(sensitive)' : e.configValue])
          .sort(([a], [b]) => a.localeCompare(b))
        const leaders = (metadata.topics[0]?.partitions ?? [])
          .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }))
          .sort((a, b) => a.partition - b.partition)
        return { ...overview!, leaders, configs }
      }),
      ANSWER_MS,
      `reading topic ${name}`,
    )
  }

  /** Up to `count` records of one partition from `offset` on (clamped to the partition's first and end offsets). */
  async records(
    topic: string,
    partition: number,
    offset: bigint,
    count: number,
  ): Promise<{ records: ReadRecord[]; low: bigint; high: bigint; from: bigint }> {
    return within(
      (async () => {
        const ends = await this.withAdmin((admin) => admin.fetchTopicOffsets(topic))
        const end = ends.find((p) => p.partition === partition)
        if (!end) throw new Error(`${topic} has no partition ${partition}`)
        const [low, high] = [BigInt(end.low), BigInt(end.high)]
        const from = offset < low ? low : offset > high ? high : offset
        return { records: await this.reader.read(topic, partition, String(from), count, String(high)), low, high, from }
      })(),
      ANSWER_MS,
      `reading ${topic}/${partition}`,
    )
  }

  /** The first offset at or after `time` in each partition (the end when there is none). */
  async offsetsAt(topic: string, time: number): Promise<Map<number, bigint>> {
    const offsets = await within(
      this.withAdmin((admin) => admin.fetchTopicOffsetsByTimestamp(topic, time)),
      ANSWER_MS,
      `looking up ${topic} at a time`,
    )
    return new Map(offsets.map((o) => [o.partition, BigInt(o.offset)]))
  }

  /** The newest `count` records of a topic, across its partitions, newest first. */
  async newest(topic: string, count: number): Promise<ReadRecord[]> {
    const ends = await within(
      this.withAdmin((admin) => admin.fetchTopicOffsets(topic)),
      ANSWER_MS,
      `reading ${topic}`,
    )
    const parts = await within(
      Promise.all(
        ends.map((p) => {
          const [low, high] = [BigInt(p.low), BigInt(p.high)]
          const from = high - BigInt(count) > low ? high - BigInt(count) : low
          return this.reader.read(topic, p.partition, String(from), count, String(high))
        }),
      ),
      ANSWER_MS,
      `reading ${topic}`,
    )
    return parts
      .flat()
      .sort((a, b) => b.timestamp - a.timestamp || b.partition - a.partition || Number(BigInt(b.offset) - BigInt(a.offset)))
      .slice(0, count)
  }

  /** One record, or undefined when the partition no longer holds it. */
  async record(topic: string, partition: number, offset: bigint): Promise<ReadRecord | undefined> {
    const { records } = await this.records(topic, partition, offset, 1)
    return records[0]?.offset === String(offset) ? records[0] : undefined
  }

  /**
   * Produces a dead letter's original record to its source topic again (same key, value and
   * headers, without the dead-letter headers), through the responders' ordered sender.
   * @throws Error when the record is gone or is not a dead letter of a route of the manifest.
   */
  async republish(deadLetterTopic: string, partition: number, offset: bigint): Promise<Delivery> {
    const record = await this.record(deadLetterTopic, partition, offset)
    if (!record) throw new Error(`${deadLetterTopic}/${partition} holds no record at offset ${offset} (any more)`)
    const original = originalRecord(record, deadLetterTopic, this.manifest)
    if ('refused' in original) throw new Error(original.refused)
    this.producer ??= createProducerRuntime(() => this.manifest.app, { topics: this.manifest.topics }) // the source topic's partitioner
    return within(this.producer.sender.send(original.topic, original.record), 15_000, `producing to ${original.topic}`)
  }

  private admin(): Promise<Admin> {
    this.adminConnection ??= (async () => {
      const admin = this.kafka.admin()
      await admin.connect()
      return admin
    })()
    const pending = this.adminConnection
    pending.catch(() => {
      if (this.adminConnection === pending) this.adminConnection = undefined
    })
    return pending
  }

  /** Runs `fn` on the shared admin connection; after a failure the next call connects again. */
  private async withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
    const connection = this.admin()
    try {
      return await fn(await connection)
    } catch (error) {
      if (this.adminConnection === connection) {
        this.adminConnection = undefined
        void connection.then((a) => a.disconnect()).catch(() => {})
      }
      throw error
    }
  }
}

async function readTopics(admin: Admin, only?: string[]): Promise<TopicOverview[]> {
  const names = (only ?? (await admin.listTopics())).filter((t) => !t.startsWith('__')).sort()
  if (names.length === 0) return []
  const metadata = await admin.fetchTopicMetadata({ topics: names })
  return Promise.all(
    names.map(async (name) => {
      const topic = metadata.topics.find((t) => t.name === name)
      const offsets = (await admin.fetchTopicOffsets(name))
        .map((o) => ({ partition: o.partition, low: o.low, high: o.high }))
        .sort((a, b) => a.partition - b.partition)
      return {
        name,
        partitions: topic?.partitions.length ?? offsets.length,
        replicationFactor: topic?.partitions[0]?.replicas.length ?? 0,
        messages: offsets.reduce((sum, o) => sum + Number(BigInt(o.high) - BigInt(o.low)), 0),
        offsets,
      }
    }),
  )
}
