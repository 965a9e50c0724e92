import type { Span } from '@opentelemetry/api'
import type { Consumer, EachBatchPayload } from 'kafkajs'
import { KarafkaError } from '../errors/index.js'
import type { PartitionRef } from '../instrumentation/events.js'
import type { Logger } from '../instrumentation/logger.js'
import type { Monitor } from '../instrumentation/monitor.js'
import type { InvokeResult, Invoker } from '../invokers/invoker.js'
import type { Route } from '../manifest/types.js'
import { endProcessSpan, startProcessSpan, withSpan } from '../observability/tracing.js'
import type { RecordSender } from '../producer/sender.js'
import type { StagedRecord } from '../producer/staged.js'
import { backoffDelay, sleep } from '../retry/backoff.js'
import { isRetriableKafkaError } from '../retry/kafka-errors.js'
import type { Topology } from '../topology.js'
import { BatchRecords, type Chunk, nextChunk } from './chunker.js'
import { deadLetterRecord } from './dead-letter.js'
import { type ChunkOutcome, type Decision, decide, decideInvalid, nextOffset } from './decide.js'
import type { InvalidRecord, RawRecord } from './decode.js'
import { OffsetCommitter } from './offsets.js'
import { PartitionScope } from './partition-scope.js'
import { RetryTracker } from './retries.js'
import { isFenced, type TransactionalWriter } from './transactions.js'
import type { Message } from './types.js'
import { CollapsedWindows, splitVirtual, WindowProgress } from './virtual-partitions.js'

export interface RunnerOptions {
  group: string
  routes: Map<string, Route>
  topology: Topology
  invoker: Invoker
  monitor: Monitor
  consumer: Pick<Consumer, 'seek' | 'resume'>
  /** Sends dead-letter records (the runtime's producer). */
  sender: RecordSender
  /** Changes whenever the group rebalances: work begun before a change is stale. */
  epoch(): number
  heartbeatIntervalMs: number
  /** Aborted when the shutdown timeout runs out: in-flight handlers must stop. */
  shutdownSignal: AbortSignal
  /** Kafka transactions, for the group's transactional routes. */
  transactions?: TransactionalWriter
}

/**
 * A window of virtual partitions holds up to this many batches (of batch.maxSize) for each of
 * them: long enough that one busy virtual partition rarely keeps the others waiting at the
 * window's end, short enough to bound what a crash can leave handled but not committed.
 */
const WINDOW_BATCHES = 4

/** How a virtual partition's part of a window ended; a failed one keeps its call's span open until the window settles. */
interface VirtualRun {
  error?: Error
  transient?: boolean
  failedAt?: string
  stopped?: boolean
  span?: Span
}

/** Where the batch goes after a chunk: on to the next one, on from an index (after a dead letter), or no further. */
type Next = 'next' | 'stop' | { from: number }

/**
 * The mechanics of one kafkajs batch of one partition: it cuts the batch into chunks, runs
 * the handler on each inside the partition's scope, and carries out what the rules of
 * decide.ts say: commit, retry later, dead-letter, or stop.
 */
export class BatchRunner {
  readonly retries = new RetryTracker()
  /** Messages handed over although inconsistent (reported by consumer.message.inconsistent). */
  inconsistent = 0
  private readonly collapsed = new CollapsedWindows()
  /** Aborted when the consumer stops: backoffs waiting to resume their partition are dropped. */
  private readonly stopping = new AbortController()
  private readonly committer: OffsetCommitter
  /** Handler calls running now, by id, with when they began (in the order they began). */
  private readonly calls = new Map<number, number>()
  private lastCall = 0
  /** The group generation (epoch) in which each partition of a transactional route was last claimed. */
  private readonly claimed = new Map<string, number>()
  /** Transactions of a partition that failed in a row (for their backoff). */
  private readonly transactionFailures = new Map<string, number>()
  private readonly loggers = new Map<string, Logger>()
  /** The batches being processed now, one scope each. */
  private readonly scopes = new Set<PartitionScope>()

  constructor(private readonly options: RunnerOptions) {
    this.committer = new OffsetCommitter(options.group, options.monitor)
  }

  /** When the oldest handler call still running began (Date.now()), if one runs. */
  oldestCallStartedAt(): number | undefined {
    return this.calls.values().next().value
  }

  /** The group began to rebalance (its epoch moved): the handlers of every batch running now are aborted through ctx.signal. */
  rebalancing(): void {
    for (const scope of this.scopes) scope.rebalancing()
  }

  /** Drops pending resumes (the consumer is stopping). */
  stop(): void {
    this.stopping.abort()
  }

  /** Processes one kafkajs batch; returns once its partition's commits are done. */
  async handle(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload
    const route = this.options.routes.get(batch.topic)
    const ref: PartitionRef = { group: this.options.group, topic: batch.topic, partition: batch.partition }
    const scope = new PartitionScope({
      payload,
      epoch: this.options.epoch,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      shutdownSignal: this.options.shutdownSignal,
      onHeartbeatError: (error) => this.options.monitor.emit('error.occurred', { type: 'consumer.heartbeat.error', error, ...ref }),
    })
    this.scopes.add(scope)
    try {
      if (route) await this.process(payload, scope, route, ref)
    } finally {
      this.scopes.delete(scope)
      scope.close()
      await this.committer.flush(batch.topic, batch.partition)
    }
  }

  private async process(payload: EachBatchPayload, scope: PartitionScope, route: Route, ref: PartitionRef): Promise<void> {
    const { batch } = payload
    const records = new BatchRecords(batch.topic, batch.partition, batch.messages)
    const key = keyOf(ref)
    if (route.transactional && records.length > 0 && !(await this.claimPartition(payload, scope, route, ref, records.at(0)!.offset))) return
    const virtual = route.virtualPartitions && route.virtualPartitions.max > 1 ? route.virtualPartitions : undefined
    let index = 0
    while (index < records.length && !scope.finished) {
      const collapsed = virtual ? this.collapsed.at(key, records.at(index)!.offset) : undefined
      const parallel = virtual !== undefined && collapsed === undefined
      const chunk = nextChunk(this.options.topology, records, index, {
        maxSize: parallel ? route.batch.maxSize * virtual.max * WINDOW_BATCHES : route.batch.maxSize,
        inconsistent: route.inconsistent,
        ...(collapsed
          ? {
              until: collapsed.until,
              skip: (offset: string) => collapsed.done.has(offset),
              startsChunk: (offset: string) => collapsed.failures.has(offset),
            }
          : {}),
      })
      index = chunk.next
      for (const { offset, reason } of chunk.inconsistent ?? []) {
        this.inconsistent++
        this.options.monitor.emit('consumer.message.inconsistent', { ...ref, offset, reason })
      }
      const failedBefore = collapsed?.failures.get(chunk.messages[0]?.offset ?? '')
      if (failedBefore && failedBefore.failures >= route.retry.attempts && route.deadLetter !== undefined) {
        // It failed as often as retry.attempts allows in its virtual partition: dead-lettered, not handed over again.
        if (scope.lost || !(await this.deadLetter(payload, scope, route, chunk.records[0]!, failedBefore.error, failedBefore.failures)))
          return
        index = chunk.positions[0]! + 1
        continue
      }
      if (chunk.messages.length > 0) {
        const next = parallel
          ? await this.runWindow(payload, scope, route, ref, chunk)
          : await this.runChunk(payload, scope, route, ref, chunk, failedBefore?.failures)
        if (next === 'stop') return
        if (next !== 'next') {
          index = next.from
          continue
        }
      }
      // What other virtual partitions finished after the chunk is done too: commit past it, or a quiet partition is fetched again and again.
      if (chunk.skippedAfter !== undefined && !scope.lost) this.commitDone(payload, scope, chunk.skippedAfter)
      if (chunk.invalid && !(await this.handleInvalid(payload, scope, route, ref, chunk.invalid))) return
    }
  }

  /** Forgets the retry state of partitions that are no longer ours. */
  retain(keys: Set<string>): void {
    this.retries.retain(keys)
    this.collapsed.retain(keys)
    for (const key of this.claimed.keys()) if (!keys.has(key)) this.claimed.delete(key)
    this.options.transactions?.release(keys)
  }

  /**
   * Takes a transactional route's partition over, once per group generation: earlier owners'
   * producers are fenced, and the batch must begin at the offset the group committed after
   * that, or it is fetched again from there (an earlier owner got further). Returns whether to go on.
   */
  private async claimPartition(
    payload: EachBatchPayload,
    scope: PartitionScope,
    route: Route,
    ref: PartitionRef,
    first: string,
  ): Promise<boolean> {
    const key = keyOf(ref)
    const epoch = this.options.epoch()
    if (this.claimed.get(key) === epoch) return true
    let committed: string | undefined
    try {
      // The scope heartbeats meanwhile: a broker slow to end the previous owner's transaction keeps this member in the group.
      committed = await scope.run(() => this.options.transactions!.claim(ref.topic, ref.partition))
    } catch (error) {
      this.transactionFailed(payload, route, ref, first, error as Error)
      return false
    }
    if (scope.lost) return false
    this.claimed.set(key, epoch)
    if (committed === undefined || committed === first) return true
    this.options.consumer.seek({ topic: ref.topic, partition: ref.partition, offset: committed })
    return false
  }

  /**
   * A transactional route's commit: `records` and the offset after `done` in one transaction.
   * `committed`, or `retry` when it failed for a reason that may pass (the broker away, a
   * coordinator moving, this member fenced: the batch is tried again from `from`, no attempt
   * counted), or the error when it will fail again the same way (a record the broker refuses):
   * nothing of it counts, and the caller says what that does to the batch.
   */
  private async commitTransaction(
    payload: EachBatchPayload,
    scope: PartitionScope,
    route: Route,
    ref: PartitionRef,
    done: string,
    records: StagedRecord[],
    from: string,
  ): Promise<'committed' | 'retry' | { fails: Error }> {
    if (scope.lost) return 'retry'
    const offset = offsetAfter(payload, done)
    try {
      await scope.run(() => this.options.transactions!.commit(ref.topic, ref.partition, records, offset))
    } catch (error) {
      const fails = error as Error
      if (isFenced(fails) || (fails instanceof KarafkaError ? fails.retriable : isRetriableKafkaError(fails))) {
        this.transactionFailed(payload, route, ref, from, fails)
        return 'retry'
      }
      this.claimed.delete(keyOf(ref)) // its producer was let go
      return { fails }
    }
    this.transactionFailures.delete(keyOf(ref))
    scope.doneUpTo = done
    payload.resolveOffset(done)
    this.options.monitor.emit('offsets.committed', { ...ref, offset, records: records.length })
    return 'committed'
  }

  /**
   * A transaction that failed for a reason that may pass is not the handler's failure: the
   * batch is tried again from `from` after the route's backoff (growing with each failure in a
   * row, up to maxBackoffMs), no attempt counted, on a partition claimed anew. A fenced member
   * waits two heartbeats for the rebalance that takes the partition from it.
   */
  private transactionFailed(payload: EachBatchPayload, route: Route, ref: PartitionRef, from: string, error: Error): void {
    const key = keyOf(ref)
    this.claimed.delete(key)
    const fenced = isFenced(error)
    this.options.monitor.emit('error.occurred', {
      type: fenced ? 'consumer.transaction.fenced' : 'consumer.transaction.error',
      error,
      ...ref,
      offset: from,
      transient: true,
    })
    const inARow = (this.transactionFailures.get(key) ?? 0) + 1
    this.transactionFailures.set(key, inARow)
    const backoffMs = fenced
      ? 2 * this.options.heartbeatIntervalMs
      : backoffDelay({ initialMs: route.retry.backoffMs, maxMs: route.retry.maxBackoffMs }, inARow)
    const failures = this.retries.attemptFor(key, from) - 1
    this.retryLater(
      payload,
      ref,
      { action: 'retry', commitAfter: undefined, offset: from, failures, backoffMs, counted: false, exhausted: false },
      error,
    )
  }

  /** Runs the handler on a chunk, then does what the decision table says. `failedBefore`: the failures of its first message that the tracker does not hold. */
  private async runChunk(
    payload: EachBatchPayload,
    scope: PartitionScope,
    route: Route,
    ref: PartitionRef,
    chunk: Chunk,
    failedBefore = 0,
  ): Promise<Next> {
    const offsets = chunk.messages.map((m) => m.offset)
    const attempt = Math.max(this.retries.attemptFor(keyOf(ref), offsets[0]!), failedBefore + 1)
    const result = await this.runHandler(scope, route, ref, chunk, attempt)
    try {
      // The partition may be another member's now: that member starts from the last commit.
      if (scope.lost) return 'stop'
      return await this.settle(
        payload,
        scope,
        route,
        ref,
        chunk,
        {
          offsets,
          attempt,
          consumed: result.consumed,
          error: result.error,
          transient: result.transient === true,
        },
        result.span,
        result.records,
      )
    } finally {
      endProcessSpan(result.span, result.error)
    }
  }

  /**
   * A window of a route with virtual partitions: its messages spread over them by key, all
   * of them run at once (each in offset order, in chunks of batch.maxSize), and the window is
   * committed as it goes, up to the lowest offset not handled. After a failure the window is
   * retried collapsed, in offset order, leaving out what the other virtual partitions finished.
   */
  private async runWindow(payload: EachBatchPayload, scope: PartitionScope, route: Route, ref: PartitionRef, window: Chunk): Promise<Next> {
    const offsets = window.messages.map((m) => m.offset)
    const attempt = this.retries.attemptFor(keyOf(ref), offsets[0]!)
    const records = new Map(window.messages.map((m, i) => [m.offset, { record: window.records[i]!, position: window.positions[i]! }]))
    const groups = splitVirtual(window.messages, route.virtualPartitions!, this.options.topology.topics[ref.topic]?.key)
    const progress = new WindowProgress(offsets)
    const handled = (done: string[]) => {
      if (progress.add(done) && !scope.lost) this.commitDone(payload, scope, progress.upTo!)
    }
    const runs = await Promise.all(
      groups.map(({ virtualPartition, messages }) =>
        this.runVirtualPartition(scope, route, ref, { messages, records, attempt, virtualPartition, handled }),
      ),
    )
    const failed = runs.filter((run) => run.error)
    try {
      return await this.settleWindow(payload, scope, route, ref, window, { offsets, attempt, progress, runs, failed })
    } finally {
      for (const run of failed) endProcessSpan(run.span!, run.error)
    }
  }

  /** Does what the decision table says about a window whose virtual partitions all ended (the lowest failure decides). */
  private async settleWindow(
    payload: EachBatchPayload,
    scope: PartitionScope,
    route: Route,
    ref: PartitionRef,
    window: Chunk,
    {
      offsets,
      attempt,
      progress,
      runs,
      failed,
    }: { offsets: string[]; attempt: number; progress: WindowProgress; runs: VirtualRun[]; failed: VirtualRun[] },
  ): Promise<Next> {
    if (scope.lost) return 'stop'
    if (failed.length === 0 && !runs.some((run) => run.stopped))
      return this.settle(payload, scope, route, ref, window, { offsets, attempt, consumed: undefined, error: undefined })
    // The failure that decides is the one at the lowest offset not done. When a virtual partition
    // that stopped (the consumer is stopping) holds that offset instead, nothing is retried or
    // dead-lettered: what is done in order is committed already, and the batch ends.
    const lowest = failed.find((run) => run.failedAt === progress.firstNotDone)
    const stoppedBelow = lowest === undefined && runs.some((run) => run.stopped)
    const first = stoppedBelow ? undefined : (lowest ?? failed[0])
    const others = failed.filter((run) => run !== first)
    for (const run of others) {
      this.options.monitor.emit('error.occurred', {
        type: 'consumer.consume.error',
        error: run.error!,
        ...ref,
        offset: run.failedAt,
        ...(run.transient ? { transient: true } : {}),
      })
    }
    if (!first) return 'stop'
    // The others are retried in the collapsed window, each from its own chunk, their attempts counted.
    const failures = new Map<string, { failures: number; error: Error }>()
    for (const run of others) {
      run.span!.addEvent('retry', {
        'messaging.kafka.offset': Number(run.failedAt),
        'karafka.attempt': attempt,
        'karafka.counted': run.transient !== true,
        'karafka.collapsed': true,
      })
      if (run.transient !== true) failures.set(run.failedAt!, { failures: attempt, error: run.error! })
    }
    this.collapsed.set(keyOf(ref), { until: offsets.at(-1)!, done: progress.doneAfter(), failures })
    return this.settle(
      payload,
      scope,
      route,
      ref,
      window,
      {
        offsets,
        attempt,
        consumed: progress.upTo,
        error: first.error,
        transient: first.transient === true,
      },
      first.span,
    )
  }

  /** One virtual partition of a window: its messages in chunks of batch.maxSize, one after another, up to the first failure. */
  private async runVirtualPartition(
    scope: PartitionScope,
    route: Route,
    ref: PartitionRef,
    part: {
      messages: Message[]
      records: Map<string, { record: RawRecord; position: number }>
      attempt: number
      virtualPartition: number
      /** Told of the messages handled after each call. */
      handled(offsets: string[]): void
    },
  ): Promise<VirtualRun> {
    const { messages, records, attempt, virtualPartition } = part
    for (let i = 0; i < messages.length; i += route.batch.maxSize) {
      if (scope.finished) return { stopped: true }
      const slice = messages.slice(i, i + route.batch.maxSize)
      const chunk: Chunk = {
        messages: slice,
        records: slice.map((m) => records.get(m.offset)!.record),
        positions: slice.map((m) => records.get(m.offset)!.position),
        invalid: undefined,
        next: 0,
      }
      const result = await this.runHandler(scope, route, ref, chunk, attempt, virtualPartition)
      if (!result.error) {
        endProcessSpan(result.span)
        part.handled(slice.map((m) => m.offset))
        continue
      }
      // What the handler marked with ctx.markAsConsumed before failing is done.
      const upTo = result.consumed === undefined ? undefined : BigInt(result.consumed)
      const marked = upTo === undefined ? [] : slice.filter((m) => BigInt(m.offset) <= upTo)
      part.handled(marked.map((m) => m.offset))
      if (marked.length === slice.length) {
        // It marked every message it was given, then threw: nothing is left to retry, so the
        // failure is reported and the virtual partition goes on (as a chunk without them would).
        this.options.monitor.emit('error.occurred', {
          type: 'consumer.consume.error',
          error: result.error,
          ...ref,
          offset: slice.at(-1)!.offset,
        })
        endProcessSpan(result.span, result.error)
        continue
      }
      return {
        error: result.error,
        ...(result.transient ? { transient: true } : {}),
        failedAt: slice[marked.length]!.offset,
        span: result.span,
      }
    }
    return {}
  }

  /** One handler call on a chunk, inside the partition's scope, with its instrumentation. */
  private async runHandler(
    scope: PartitionScope,
    route: Route,
    ref: PartitionRef,
    chunk: Chunk,
    attempt: number,
    virtualPartition?: number,
  ): Promise<InvokeResult & { span: Span }> {
    const { monitor } = this.options
    const info = {
      ...ref,
      messages: chunk.messages.length,
      firstOffset: chunk.messages[0]!.offset,
      lastOffset: chunk.messages.at(-1)!.offset,
      attempt,
      ...(virtualPartition === undefined ? {} : { virtualPartition }),
    }
    monitor.emit('consumer.consume', info)
    const started = performance.now()
    const call = ++this.lastCall
    this.calls.set(call, Date.now())
    // The span ends once the outcome is settled (a retry or a dead letter is an event on it).
    const span = startProcessSpan(ref, chunk.messages, {
      'karafka.attempt': attempt,
      ...(virtualPartition === undefined ? {} : { 'karafka.virtual_partition': virtualPartition }),
    })
    const result = await withSpan(span, () => scope.run((signal) => this.invoke(route, chunk, ref, attempt, signal))).finally(() =>
      this.calls.delete(call),
    )
    if (!result.error && !scope.lost) {
      monitor.emit('consumer.consumed', () => ({
        ...info,
        durationMs: Math.round(performance.now() - started),
        consumedOffset: info.lastOffset,
      }))
    }
    return { ...result, span }
  }

  /** Does what the decision table says about a chunk's outcome: commit, go on, dead-letter, or retry later. */
  private async settle(
    payload: EachBatchPayload,
    scope: PartitionScope,
    route: Route,
    ref: PartitionRef,
    chunk: Chunk,
    outcome: ChunkOutcome,
    span?: Span,
    /** What a transactional route's handler published for the consumed part. */
    records: StagedRecord[] = [],
  ): Promise<Next> {
    const key = keyOf(ref)
    const decision = decide(outcome, route)
    const from = chunk.records[0]!.offset
    if (decision.commitAfter !== undefined) {
      // On a transactional route, a dead letter's transaction carries what was consumed before it.
      if (!route.transactional) this.commitDone(payload, scope, decision.commitAfter)
      else if (decision.action !== 'dead-letter') {
        const committed = await this.commitTransaction(payload, scope, route, ref, decision.commitAfter, records, from)
        if (committed === 'retry') return 'stop'
        if (committed !== 'committed') {
          // What the handler published cannot be written, and will not be next time either: the
          // chunk failed at its first message, as if the handler had thrown there (counted, then dead-lettered).
          const failed = { offsets: outcome.offsets, attempt: outcome.attempt, consumed: undefined, error: committed.fails }
          return this.settle(payload, scope, route, ref, chunk, failed, span)
        }
      }
    }
    if (decision.action === 'continue') {
      this.retries.clear(key)
      return 'next'
    }
    const error = outcome.error!
    this.options.monitor.emit('error.occurred', {
      type: 'consumer.consume.error',
      error,
      ...ref,
      offset: decision.offset,
      ...(outcome.transient ? { transient: true } : {}),
    })
    if (decision.action === 'dead-letter') {
      span?.addEvent('dead_letter', {
        'messaging.kafka.offset': Number(decision.offset),
        'messaging.destination.name': route.deadLetter!,
        'karafka.attempts': decision.failures,
      })
      const carried = decision.commitAfter === undefined ? [] : records
      if (!(await this.deadLetter(payload, scope, route, chunk.records[decision.index]!, error, decision.failures, carried, from)))
        return 'stop'
      this.retries.clear(key)
      return { from: chunk.positions[decision.index]! + 1 }
    }
    if (decision.counted) this.retries.failed(key, decision.offset, decision.failures)
    span?.addEvent('retry', {
      'messaging.kafka.offset': Number(decision.offset),
      'karafka.attempt': decision.failures,
      'karafka.backoff_ms': decision.backoffMs,
      'karafka.counted': decision.counted,
    })
    this.retryLater(payload, ref, decision, error)
    return 'stop'
  }

  private async invoke(route: Route, chunk: Chunk, ref: PartitionRef, attempt: number, signal: AbortSignal): Promise<InvokeResult> {
    try {
      return await this.options.invoker.invoke({
        route,
        messages: chunk.messages,
        records: chunk.records,
        context: { ...ref, attempt, logger: this.logger(ref), signal },
      })
    } catch (error) {
      return { consumed: undefined, error: error instanceof Error ? error : new KarafkaError('INVOKE_FAILED', String(error)) }
    }
  }

  /** An invalid record: dead-lettered (and on), or the partition stops at it. Returns whether to go on. */
  private async handleInvalid(
    payload: EachBatchPayload,
    scope: PartitionScope,
    route: Route,
    ref: PartitionRef,
    invalid: InvalidRecord,
  ): Promise<boolean> {
    if (scope.lost) return false
    const { offset } = invalid.record
    if (decideInvalid(route).action === 'dead-letter')
      return this.deadLetter(payload, scope, route, invalid.record, { name: 'InvalidMessage', message: invalid.reason }, 0)
    // Never skip silently: the partition stops here until the message is dealt with.
    payload.pause()
    this.options.consumer.seek({ topic: ref.topic, partition: ref.partition, offset })
    this.options.monitor.emit('client.pause', ref)
    this.options.monitor.emit('consumer.consuming.pause', {
      ...ref,
      offset,
      reason: `${invalid.reason}; no deadLetter topic is set, so the partition stops here (set deadLetter, or fix the message and restart)`,
    })
    const error = new KarafkaError('MESSAGE_INVALID', `invalid message: ${invalid.reason}`, {
      topic: ref.topic,
      partition: ref.partition,
      offset,
    })
    this.options.monitor.emit('error.occurred', { type: 'consumer.invalid_message', error, ...ref, offset })
    return false
  }

  /** Pauses the partition, seeks back to the failed message and resumes after the backoff (unless the consumer stops first). */
  private retryLater(payload: EachBatchPayload, ref: PartitionRef, decision: Extract<Decision, { action: 'retry' }>, error: Error): void {
    const { consumer, monitor } = this.options
    payload.pause()
    consumer.seek({ topic: ref.topic, partition: ref.partition, offset: decision.offset })
    monitor.emit('client.pause', ref)
    monitor.emit('consumer.consuming.retry', {
      ...ref,
      offset: decision.offset,
      attempt: decision.failures,
      backoffMs: decision.backoffMs,
      error,
      exhausted: decision.exhausted,
    })
    sleep(decision.backoffMs, this.stopping.signal).then(
      () => {
        consumer.resume([{ topic: ref.topic, partitions: [ref.partition] }])
        monitor.emit('client.resume', ref)
      },
      () => {}, // the consumer stopped meanwhile
    )
  }

  /**
   * Sends `record` to the route's dead-letter topic and commits past it. On a transactional
   * route both go in one transaction, with `records` (what the handler published for the
   * messages before it); when that fails the batch is tried again from `from`. Returns whether the batch goes on.
   */
  private async deadLetter(
    payload: EachBatchPayload,
    scope: PartitionScope,
    route: Route,
    record: RawRecord,
    error: { name: string; message: string },
    attempts: number,
    records: StagedRecord[] = [],
    from = record.offset,
  ): Promise<boolean> {
    const { group, monitor } = this.options
    const ref = { group, topic: record.topic, partition: record.partition }
    const topic = route.deadLetter!
    const letter = deadLetterRecord(record, { group, error, attempts })
    if (route.transactional) {
      const committed = await this.commitTransaction(
        payload,
        scope,
        route,
        ref,
        record.offset,
        [...records, { topic, record: letter }],
        from,
      )
      if (committed === 'retry') return false
      if (committed !== 'committed') {
        // Not even the dead letter can be written: the partition waits here and says so, as without a dead-letter topic.
        this.transactionFailed(
          payload,
          { ...route, retry: { ...route.retry, backoffMs: route.retry.maxBackoffMs } },
          ref,
          from,
          committed.fails,
        )
        return false
      }
    } else {
      try {
        await this.options.sender.send(topic, letter)
      } catch (failure) {
        // Nothing is committed past the message: kafkajs restarts the batch from the last commit.
        monitor.emit('error.occurred', { type: 'dead_letter_queue.dispatch.error', error: failure as Error, ...ref, offset: record.offset })
        throw failure
      }
    }
    monitor.emit('dead_letter_queue.dispatched', {
      ...ref,
      offset: record.offset,
      deadLetter: topic,
      reason: `${error.name}: ${error.message}`,
      attempts,
    })
    if (!route.transactional) this.commitDone(payload, scope, record.offset)
    return true
  }

  /** Marks everything up to `done` as consumed: kafkajs resolves it, and the offset after it is committed while the partition is still ours. */
  private commitDone(payload: EachBatchPayload, scope: PartitionScope, done: string): void {
    if (scope.doneUpTo === done) return // a window committed it as it went
    scope.doneUpTo = done
    this.committer.request(
      payload.batch.topic,
      payload.batch.partition,
      offsetAfter(payload, done),
      scope.owns,
      payload.commitOffsetsIfNecessary,
    )
    payload.resolveOffset(done)
  }

  /** The handlers' logger of a partition, made once: its lines go to the monitor as consumer.log. */
  private logger(ref: PartitionRef): Logger {
    const key = keyOf(ref)
    let logger = this.loggers.get(key)
    if (!logger) {
      const log = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) =>
        this.options.monitor.emit('consumer.log', { ...ref, level, message, fields })
      logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }
      this.loggers.set(key, logger)
    }
    return logger
  }
}

/**
 * The offset to commit once `done` is handled: the next one, or, when `done` is the batch's last
 * message and records follow it that kafkajs never hands over (a transaction's marker, records
 * of an aborted transaction), the offset past those. Committing only past `done` would leave
 * the group one marker behind the partition's end for ever: a lag that never reaches 0.
 */
function offsetAfter(payload: EachBatchPayload, done: string): string {
  const { batch } = payload
  if (batch.messages.at(-1)?.offset !== done) return nextOffset(done)
  const end = batch.lastOffset()
  return BigInt(end) > BigInt(done) ? nextOffset(end) : nextOffset(done)
}

function keyOf(ref: PartitionRef): string {
  return `${ref.topic}/${ref.partition}`
}
