import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs'
import type { Monitor } from '../instrumentation/monitor.js'
import type { Logger } from '../instrumentation/logger.js'
import type { Invoker } from '../invokers/invoker.js'
import type { Route } from '../manifest/types.js'
import type { RecordSender } from '../producer/sender.js'
import type { Topology } from '../topology.js'
import { deadLetterRecord } from './dead-letter.js'
import { decodeRecord, isInvalidRecord, type RawRecord } from './decode.js'
import { OffsetCommitter } from './offsets.js'
import { backoffFor, RetryTracker } from './retries.js'
import type { Message } from './types.js'

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

/** How one kafkajs batch of one partition is processed: in chunks, committing after each success. */
export class BatchRunner {
  readonly retries = new RetryTracker()
  private readonly resumeTimers = new Set<NodeJS.Timeout>()
  private readonly committer: OffsetCommitter

  constructor(private readonly options: RunnerOptions) {
    this.committer = new OffsetCommitter(options.group, options.monitor, options.epoch)
  }

  /** Clears pending resumes (the consumer is stopping). */
  stop(): void {
    for (const timer of this.resumeTimers) clearTimeout(timer)
    this.resumeTimers.clear()
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
    const { group, monitor } = this.options
    const route = this.options.routes.get(batch.topic)
    if (!route) return
    const epoch = this.options.epoch()
    // A failed heartbeat means the group is rebalancing (or we lost it): this batch may no
    // longer be ours, so it must not commit.
    let lostHeartbeat = false
    const stale = () => lostHeartbeat || this.options.epoch() !== epoch
    const key = `${batch.topic}/${batch.partition}`
    const ref = { group, topic: batch.topic, partition: batch.partition }
    const records = batch.messages.map((m) => toRawRecord(batch.topic, batch.partition, m))
    let index = 0

    while (index < records.length) {
      if (stale() || !payload.isRunning() || payload.isStale()) return
      // The chunk as messages for the handler and, side by side, the records they came from.
      const messages: Message[] = []
      const start = index
      let invalid: { record: RawRecord; reason: string } | undefined
      while (index < records.length && messages.length < route.batch.maxSize) {
        const decoded = decodeRecord(this.options.topology, records[index]!)
        if (isInvalidRecord(decoded)) {
          invalid = decoded
          break
        }
        messages.push(decoded)
        index++
      }
      const chunkRecords = records.slice(start, index)

      if (messages.length > 0) {
        const first = messages[0]!.offset
        const attempt = this.retries.attemptFor(key, first)
        const info = { ...ref, messages: messages.length, firstOffset: first, lastOffset: messages.at(-1)!.offset, attempt }
        monitor.emit('consumer.consume', info)
        const started = performance.now()
        const abort = new AbortController()
        const onShutdown = () => abort.abort(new Error('shutdown timeout reached'))
        this.options.shutdownSignal.addEventListener('abort', onShutdown)
        const heartbeat = setInterval(() => {
          if (stale()) abort.abort(new Error('partition revoked in a rebalance'))
          payload.heartbeat().catch((error: Error) => {
            lostHeartbeat = true
            abort.abort(new Error('partition revoked in a rebalance'))
            monitor.emit('error.occurred', { type: 'consumer.heartbeat.error', error, ...ref })
          })
        }, this.options.heartbeatIntervalMs)
        let result
        try {
          result = await this.options.invoker.invoke({
            route,
            messages,
            records: chunkRecords,
            context: { group, topic: batch.topic, partition: batch.partition, attempt, logger: this.logger(ref), signal: abort.signal },
          })
        } catch (error) {
          result = { consumed: undefined, error: error as Error }
        } finally {
          clearInterval(heartbeat)
          this.options.shutdownSignal.removeEventListener('abort', onShutdown)
        }
        if (stale()) {
          abort.abort(new Error('partition revoked in a rebalance'))
          return // the new owner starts from the last committed offset
        }
        if (result.consumed !== undefined) {
          this.commit(payload, result.consumed, epoch)
          payload.resolveOffset(result.consumed)
        }
        if (!result.error) {
          this.retries.clear(key)
          monitor.emit('consumer.consumed', () => ({ ...info, durationMs: Math.round(performance.now() - started), consumedOffset: result.consumed }))
        } else {
          const failedAt = result.consumed === undefined ? first : nextOffset(result.consumed)
          const position = messages.findIndex((m) => m.offset === failedAt)
          monitor.emit('error.occurred', { type: 'consumer.consume.error', error: result.error, ...ref, offset: failedAt })
          if (result.transient) {
            await this.retryLater(payload, ref, failedAt, attempt, result.error, route, true)
            return
          }
          const failed = this.retries.failed(key, failedAt, attempt, first)
          if (failed >= route.retry.attempts && route.deadLetter && position >= 0) {
            await this.deadLetter(payload, chunkRecords[position]!, route.deadLetter, result.error, failed, epoch)
            this.retries.clear(key)
            index = start + position + 1
            payload.resolveOffset(failedAt)
            continue
          }
          await this.retryLater(payload, ref, failedAt, failed, result.error, route, false)
          return
        }
      }

      if (invalid) {
        if (stale()) return
        if (route.deadLetter) {
          await this.deadLetter(payload, invalid.record, route.deadLetter, { name: 'InvalidMessage', message: invalid.reason }, 0, epoch)
          payload.resolveOffset(invalid.record.offset)
          index++
          continue
        }
        // Never skip silently: the partition stops here until the message is dealt with.
        const error = new Error(`invalid message: ${invalid.reason}`)
        payload.pause()
        this.options.consumer.seek({ topic: batch.topic, partition: batch.partition, offset: invalid.record.offset })
        monitor.emit('client.pause', ref)
        monitor.emit('consumer.consuming.pause', { ...ref, offset: invalid.record.offset, reason: `${invalid.reason}; no deadLetter topic is set, so the partition stops here (set deadLetter, or fix the message and restart)` })
        monitor.emit('error.occurred', { type: 'consumer.invalid_message', error, ...ref, offset: invalid.record.offset })
        return
      }
    }
  }

  /** Pauses the partition, seeks back to the failed message and resumes after the backoff. */
  private async retryLater(payload: EachBatchPayload, ref: { group: string; topic: string; partition: number }, offset: string, failed: number, error: Error, route: Route, transient: boolean): Promise<void> {
    const exhausted = !transient && failed >= route.retry.attempts
    const backoffMs = exhausted ? route.retry.maxBackoffMs : backoffFor(route.retry, failed)
    payload.pause()
    this.options.consumer.seek({ topic: ref.topic, partition: ref.partition, offset })
    this.options.monitor.emit('client.pause', ref)
    this.options.monitor.emit('consumer.consuming.retry', { ...ref, offset, attempt: failed, backoffMs, error, exhausted })
    const timer = setTimeout(() => {
      this.resumeTimers.delete(timer)
      this.options.consumer.resume([{ topic: ref.topic, partitions: [ref.partition] }])
      this.options.monitor.emit('client.resume', ref)
    }, backoffMs)
    this.resumeTimers.add(timer)
  }

  private async deadLetter(payload: EachBatchPayload, record: RawRecord, topic: string, error: { name: string; message: string }, attempts: number, epoch: number): Promise<void> {
    const { group, monitor } = this.options
    const ref = { group, topic: record.topic, partition: record.partition }
    try {
      await this.options.sender.send(topic, deadLetterRecord(record, { group, error, attempts }))
    } catch (failure) {
      // Nothing is committed past the message: kafkajs restarts the batch from the last commit.
      monitor.emit('error.occurred', { type: 'dead_letter_queue.dispatch.error', error: failure as Error, ...ref, offset: record.offset })
      throw failure
    }
    monitor.emit('dead_letter_queue.dispatched', { ...ref, offset: record.offset, deadLetter: topic, reason: `${error.name}: ${error.message}`, attempts })
    this.commit(payload, record.offset, epoch)
  }

  /** Asks to commit the offset after `consumed` (the next one to read). */
  private commit(payload: EachBatchPayload, consumed: string, epoch: number): void {
    this.committer.request(payload.batch.topic, payload.batch.partition, nextOffset(consumed), epoch, payload.commitOffsetsIfNecessary)
  }

  private logger(ref: { group: string; topic: string; partition: number }): Logger {
    const log = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) => this.options.monitor.emit('consumer.log', { ...ref, level, message, fields })
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }
  }
}

export function nextOffset(offset: string): string {
  return String(BigInt(offset) + 1n)
}

function toRawRecord(topic: string, partition: number, message: KafkaMessage): RawRecord {
  return { topic, partition, offset: message.offset, key: message.key ?? null, value: message.value ?? null, timestamp: message.timestamp, headers: message.headers ?? {} }
}
