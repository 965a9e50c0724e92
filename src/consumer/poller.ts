import { setMaxListeners } from 'node:events'
import type { Consumer, Kafka } from 'kafkajs'
import { KarafkaError } from '../errors/index.js'
import type { Monitor } from '../instrumentation/monitor.js'
import type { Invoker } from '../invokers/invoker.js'
import { withAdmin } from '../kafka/admin.js'
import type { Route } from '../manifest/types.js'
import type { GroupStatus } from '../observability/health.js'
import type { PartitionerName } from '../producer/partitioners.js'
import type { RecordSender } from '../producer/sender.js'
import { retry, sleep } from '../retry/backoff.js'
import { isRetriableKafkaError } from '../retry/kafka-errors.js'
import type { Topology } from '../topology.js'
import { BatchRunner } from './runner.js'
import { KafkaTransactions } from './transactions.js'

export interface PollerOptions {
  group: string
  routes: Route[]
  kafka: Kafka
  topology: Topology
  invoker: Invoker
  monitor: Monitor
  sender: RecordSender
  sessionTimeoutMs: number
  heartbeatIntervalMs: number
  /** Each topic's partitioner, for what transactional routes publish. */
  partitionerOf?: (topic: string) => PartitionerName
  /** read_committed: records of aborted (and still open) transactions are never handed over. */
  isolationLevel: 'read_committed' | 'read_uncommitted'
  /** How often `statistics.emitted` fires (when someone listens). */
  statisticsIntervalMs?: number
}

/**
 * One consumer group: a kafkajs consumer subscribed to the group's topics, feeding each
 * partition's batches to the runner. Partitions run concurrently; batches of one partition
 * one after another.
 */
export class Poller {
  private consumer: Consumer | undefined
  private runner: BatchRunner | undefined
  private transactions: KafkaTransactions | undefined
  private epoch = 0
  private assigned = new Set<string>()
  /** Every partition consumed at once (up to 64) listens for it while its handlers run. */
  private readonly shutdown = unlimitedListeners(new AbortController())
  private joined = false
  private lastFetchAt: number | undefined
  private crashed: Error | undefined
  private statistics: NodeJS.Timeout | undefined
  /** Aborted when the poller stops: a rejoin in progress gives up. */
  private readonly stopping = new AbortController()
  private readonly stats = { consumed: 0, batches: 0, lag: {} as Record<string, number> }

  constructor(private readonly options: PollerOptions) {}

  async start(): Promise<void> {
    const { group, routes, kafka, monitor } = this.options
    const sessionTimeout = this.options.sessionTimeoutMs
    const heartbeatInterval = this.options.heartbeatIntervalMs
    await applyStartFrom(kafka, group, routes)
    const consumer = kafka.consumer({
      groupId: group,
      sessionTimeout,
      heartbeatInterval,
      rebalanceTimeout: Math.max(60_000, sessionTimeout),
      maxWaitTimeInMs: Math.min(...routes.map((r) => r.batch.maxWaitMs)),
      allowAutoTopicCreation: false,
      readUncommitted: this.options.isolationLevel === 'read_uncommitted',
    })
    this.consumer = consumer
    if (routes.some((r) => r.transactional))
      this.transactions = new KafkaTransactions({
        kafka,
        group,
        ...(this.options.partitionerOf ? { partitionerOf: this.options.partitionerOf } : {}),
      })
    this.runner = new BatchRunner({
      group,
      routes: new Map(routes.map((r) => [r.topic, r])),
      topology: this.options.topology,
      invoker: this.options.invoker,
      monitor,
      consumer,
      sender: this.options.sender,
      epoch: () => this.epoch,
      heartbeatIntervalMs: heartbeatInterval,
      shutdownSignal: this.shutdown.signal,
      ...(this.transactions ? { transactions: this.transactions } : {}),
    })
    consumer.on(consumer.events.REBALANCING, () => {
      this.epoch++
      this.runner?.rebalancing()
    })
    consumer.on(consumer.events.FETCH, () => {
      this.lastFetchAt = Date.now()
    })
    consumer.on(consumer.events.STOP, () => {
      this.joined = false
    })
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.joined = true
      this.epoch++
      const now = new Set(
        Object.entries(event.payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}/${p}`)),
      )
      const revoked = [...this.assigned].filter((key) => !now.has(key))
      this.assigned = now
      this.runner?.retain(now)
      if (revoked.length > 0) monitor.emit('rebalance.partitions_revoked', { group, partitions: revoked.map(parseKey) })
      monitor.emit('rebalance.partitions_assigned', { group, partitions: [...now].map(parseKey) })
    })
    consumer.on(consumer.events.END_BATCH_PROCESS, (event) => {
      const { topic, partition, batchSize, lastOffset, offsetLag } = event.payload
      this.stats.consumed += batchSize
      this.stats.batches++
      this.stats.lag[`${topic}/${partition}`] = Number(offsetLag)
      if (batchSize === 0) this.passOver(consumer, topic, partition, lastOffset)
    })
    this.statistics = setInterval(() => {
      monitor.emit('statistics.emitted', () => ({
        group,
        consumed: this.stats.consumed,
        batches: this.stats.batches,
        lag: { ...this.stats.lag },
        inconsistent: this.runner?.inconsistent ?? 0,
      }))
    }, this.options.statisticsIntervalMs ?? 5_000)
    this.statistics.unref()
    await consumer.connect()
    for (const route of routes) await consumer.subscribe({ topic: route.topic, fromBeginning: route.startFrom !== 'latest' })
    const partitions = await partitionTotal(kafka, routes)
    const run = () =>
      consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: Math.max(1, Math.min(partitions, 64)),
        eachBatch: (payload) => this.runner!.handle(payload),
      })
    consumer.on(consumer.events.CRASH, (event) => {
      this.joined = false
      const { error, restart } = event.payload
      // A retriable failure: kafkajs rejoins by itself, from the committed offsets.
      if (restart) return monitor.emit('error.occurred', { type: 'consumer.restarting', error, group })
      // kafkajs gives up on some failures of a broker that went away (no group coordinator
      // after its retries); the broker may come back, so rejoin until it does, as Karafka does.
      if (!this.stopping.signal.aborted && isRetriableKafkaError(error)) {
        monitor.emit('error.occurred', { type: 'consumer.restarting', error, group })
        return this.rejoin(consumer, run)
      }
      this.crashed = error
      monitor.emit('error.occurred', { type: 'consumer.crashed', error, group })
    })
    await run()
  }

  /** Connects and runs the (crashed, disconnected) consumer again, backing off while the broker stays away, until it runs or the poller stops. */
  private rejoin(consumer: Consumer, run: () => Promise<void>): void {
    const { monitor, group } = this.options
    const signal = this.stopping.signal
    sleep(REJOIN.initialMs, signal)
      .then(() =>
        retry(
          async () => {
            await consumer.connect()
            await run() // a crash from here on comes back through the CRASH event
          },
          {
            policy: REJOIN,
            signal,
            onRetry: (error) => monitor.emit('error.occurred', { type: 'consumer.rejoin.error', error: error as Error, group }),
          },
        ),
      )
      .catch(() => {}) // the poller stopped meanwhile
  }

  /**
   * A batch of nothing but transaction markers (or records of aborted transactions) has no
   * message to hand over, and kafkajs never calls the runner for it; with autoCommit off it
   * commits nothing either, so a group reading a topic written in transactions would show a
   * lag of one marker a partition for ever. The earlier batches of the partition are all done
   * (kafkajs fetches a partition again only after its batch), so the offset past the markers is
   * committed as long as the partition is still this member's.
   */
  private passOver(consumer: Consumer, topic: string, partition: number, lastOffset: string): void {
    if (!this.assigned.has(`${topic}/${partition}`) || !this.options.routes.some((r) => r.topic === topic)) return
    const ref = { group: this.options.group, topic, partition }
    const offset = String(BigInt(lastOffset) + 1n)
    consumer.commitOffsets([{ topic, partition, offset }]).then(
      () => this.options.monitor.emit('offsets.committed', { ...ref, offset }),
      (error: Error) => this.options.monitor.emit('error.occurred', { type: 'consumer.commit.error', error, ...ref, offset }),
    )
  }

  /** The error that stopped the consumer for good, if any. */
  get crash(): Error | undefined {
    return this.crashed
  }

  /** What /readyz needs to know: joined, fetching, handlers not stuck, not crashed. */
  status(): GroupStatus {
    return {
      group: this.options.group,
      joined: this.joined,
      lastFetchAt: this.lastFetchAt,
      oldestCallStartedAt: this.runner?.oldestCallStartedAt(),
      crashed: this.crashed,
    }
  }

  /**
   * Stops fetching, lets in-flight batches finish and commit, leaves the group. After
   * `timeoutMs`, in-flight handlers see ctx.signal aborted and are no longer waited for.
   */
  async stop(timeoutMs: number): Promise<boolean> {
    const consumer = this.consumer
    if (!consumer) return true
    this.stopping.abort()
    clearInterval(this.statistics)
    this.runner?.stop()
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => {
        this.shutdown.abort(new KarafkaError('SHUTDOWN_TIMEOUT', `the shutdown timeout (${timeoutMs} ms) ran out`))
        resolve(false)
      }, timeoutMs)
    })
    const finished = await Promise.race([consumer.stop().then(() => true), timedOut])
    clearTimeout(timer)
    await consumer.disconnect().catch(() => {})
    await this.transactions?.close()
    return finished
  }
}

/** Rejoining after kafkajs gave up on an unreachable broker: 1 s, doubling to 30 s, with jitter so that pollers spread out. */
const REJOIN = { initialMs: 1_000, maxMs: 30_000, jitter: 0.2 }

function parseKey(key: string): { topic: string; partition: number } {
  const at = key.lastIndexOf('/')
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) }
}

async function partitionTotal(kafka: Kafka, routes: Route[]): Promise<number> {
  return withAdmin(kafka, async (admin) => {
    const metadata = await admin.fetchTopicMetadata({ topics: routes.map((r) => r.topic) })
    return metadata.topics.reduce((sum, topic) => sum + topic.partitions.length, 0)
  })
}

/** For routes starting from a time: when the group has no committed offset there yet, set it to the first message at or after that time. */
async function applyStartFrom(kafka: Kafka, group: string, routes: Route[]): Promise<void> {
  const timed = routes.filter((r) => r.startFrom !== 'earliest' && r.startFrom !== 'latest')
  if (timed.length === 0) return
  await withAdmin(kafka, async (admin) => {
    for (const route of timed) {
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [route.topic] })
      if (committed?.partitions.some((p) => p.offset !== '-1')) continue
      const offsets = await admin.fetchTopicOffsetsByTimestamp(route.topic, Date.parse(route.startFrom))
      await admin.setOffsets({
        groupId: group,
        topic: route.topic,
        partitions: offsets.map((o) => ({ partition: o.partition, offset: o.offset })),
      })
    }
  })
}

function unlimitedListeners(controller: AbortController): AbortController {
  setMaxListeners(0, controller.signal)
  return controller
}
