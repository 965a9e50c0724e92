import type { Consumer, EachBatchPayload } from 'kafkajs'
import { KarafkaError } from '../errors/index.js'
import type { PartitionRef } from '../instrumentation/events.js'
import type { Logger } from '../instrumentation/logger.js'
import type { Monitor } from '../instrumentation/monitor.js'
import type { InvokeResult, Invoker } from '../invokers/invoker.js'
import type { Route } from '../manifest/types.js'
import type { RecordSender } from '../producer/sender.js'
import { sleep } from '../retry/backoff.js'
import type { Topology } from '../topology.js'
import { type Chunk, nextChunk, toRawRecord } from './chunker.js'
import { deadLetterRecord } from './dead-letter.js'
import { type Decision, decide, decideInvalid, nextOffset } from './decide.js'
import type { InvalidRecord, RawRecord } from './decode.js'
import { OffsetCommitter } from './offsets.js'
import { PartitionScope } from './partition-scope.js'
import { RetryTracker } from './retries.js'

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
  /** Aborted when the consumer stops: backoffs waiting to resume their partition are dropped. */
  private readonly stopping = new AbortController()
  private readonly committer: OffsetCommitter

  constructor(private readonly options: RunnerOptions) {
    this.committer = new OffsetCommitter(options.group, options.monitor)
  }

  /** Drops pending resumes (the consumer is stopping). */
  stop(): void {
    this.stopping.abort()
  }

  /** Processes one kafkajs batch; returns once its partition's commits are done. */
  async handle(payload: EachBatchPayload): Promise<void> {
    try {
      await this.process(payload)
    } finally {
      await this.committer.flush(payload.batch.topic, payload.batch.partition)
    }
  }

  private async process(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload
    const route = this.options.routes.get(batch.topic)
    if (!route) return
    const ref: PartitionRef = { group: this.options.group, topic: batch.topic, partition: batch.partition }
    const scope = new PartitionScope({
      payload,
      epoch: this.options.epoch,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      shutdownSignal: this.options.shutdownSignal,
      onHeartbeatError: (error) => this.options.monitor.emit('error.occurred', { type: 'consumer.heartbeat.error', error, ...ref }),
    })
    const records = batch.messages.map((m) => toRawRecord(batch.topic, batch.partition, m))
    let index = 0
    while (index < records.length && !scope.finished) {
      const chunk = nextChunk(this.options.topology, records, index, route.batch.maxSize)
      index = chunk.next
      if (chunk.messages.length > 0) {
        const next = await this.runChunk(payload, scope, route, ref, chunk)
        if (next === 'stop') return
        if (next !== 'next') {
          index = next.from
          continue
        }
      }
      if (chunk.invalid && !(await this.handleInvalid(payload, scope, route, ref, chunk.invalid))) return
    }
  }

  /** Runs the handler on a chunk, then does what the decision table says. */
  private async runChunk(payload: EachBatchPayload, scope: PartitionScope, route: Route, ref: PartitionRef, chunk: Chunk): Promise<Next> {
    const { monitor } = this.options
    const key = `${ref.topic}/${ref.partition}`
    const offsets = chunk.messages.map((m) => m.offset)
    const attempt = this.retries.attemptFor(key, offsets[0]!)
    const info = { ...ref, messages: offsets.length, firstOffset: offsets[0]!, lastOffset: offsets.at(-1)!, attempt }
    monitor.emit('consumer.consume', info)
    const started = performance.now()
    const result = await scope.run((signal) => this.invoke(route, chunk, ref, attempt, signal))
    // The partition may be another member's now: that member starts from the last commit.
    if (scope.lost) return 'stop'
    const decision = decide(
      { offsets, attempt, consumed: result.consumed, error: result.error, transient: result.transient === true },
      route,
    )
    if (decision.commitAfter !== undefined) {
      this.commit(payload, scope, decision.commitAfter)
      payload.resolveOffset(decision.commitAfter)
    }
    if (decision.action === 'continue') {
      this.retries.clear(key)
      monitor.emit('consumer.consumed', () => ({
        ...info,
        durationMs: Math.round(performance.now() - started),
        consumedOffset: decision.commitAfter,
      }))
      return 'next'
    }
    const error = result.error!
    monitor.emit('error.occurred', { type: 'consumer.consume.error', error, ...ref, offset: decision.offset })
    if (decision.action === 'dead-letter') {
      await this.deadLetter(payload, scope, chunk.records[decision.index]!, route.deadLetter!, error, decision.failures)
      this.retries.clear(key)
      payload.resolveOffset(decision.offset)
      return { from: chunk.start + decision.index + 1 }
    }
    if (decision.counted) this.retries.failed(key, decision.offset, decision.failures)
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
    if (decideInvalid(route).action === 'dead-letter') {
      await this.deadLetter(payload, scope, invalid.record, route.deadLetter!, { name: 'InvalidMessage', message: invalid.reason }, 0)
      payload.resolveOffset(offset)
      return true
    }
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

  private async deadLetter(
    payload: EachBatchPayload,
    scope: PartitionScope,
    record: RawRecord,
    topic: string,
    error: { name: string; message: string },
    attempts: number,
  ): Promise<void> {
    const { group, monitor } = this.options
    const ref = { group, topic: record.topic, partition: record.partition }
    try {
      await this.options.sender.send(topic, deadLetterRecord(record, { group, error, attempts }))
    } catch (failure) {
      // Nothing is committed past the message: kafkajs restarts the batch from the last commit.
      monitor.emit('error.occurred', { type: 'dead_letter_queue.dispatch.error', error: failure as Error, ...ref, offset: record.offset })
      throw failure
    }
    monitor.emit('dead_letter_queue.dispatched', {
      ...ref,
      offset: record.offset,
      deadLetter: topic,
      reason: `${error.name}: ${error.message}`,
      attempts,
    })
    this.commit(payload, scope, record.offset)
  }

  /** Asks to commit the offset after `done` (the next one to read), while the partition is still ours. */
  private commit(payload: EachBatchPayload, scope: PartitionScope, done: string): void {
    this.committer.request(payload.batch.topic, payload.batch.partition, nextOffset(done), scope.owns, payload.commitOffsetsIfNecessary)
  }

  private logger(ref: PartitionRef): Logger {
    const log = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) =>
      this.options.monitor.emit('consumer.log', { ...ref, level, message, fields })
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }
  }
}
