import type { EventName, EventPayloads } from '../../instrumentation/events.js'
import {
  type ErrorRecord,
  type GroupReport,
  type groupStates,
  type Latency,
  type PartitionReport,
  type ProcessReport,
  REPORT_SCHEMA,
} from '../report.js'

/** Who reports: the fields of a report that do not change while the process runs. */
export interface ProcessIdentity {
  id: string
  app: string
  host: string
  pid: number
  version: string
  node: string
  startedAt: number
  intervalMs: number
}

/** The error types that are failures of handling (what the errors topic keeps); kafkajs's own log lines and the reporter's own failures are not. */
const HANDLING_ERRORS = new Set([
  'consumer.consume.error',
  'consumer.invalid_message',
  'consumer.commit.error',
  'consumer.crashed',
  'dead_letter_queue.dispatch.error',
  'lambda.invoke.error',
])

const STACK_CHARS = 4_000
const SAMPLES = 2_048

interface Slot {
  topic: string
  partition: number
  inFlight: number
  since: number | undefined
  pausedUntil: number | undefined
  pausedAt: string | undefined
  attempt: number | undefined
  stoppedAt: string | undefined
  reason: string | undefined
  lastOffset: string | undefined
  consumed: number
  lag: number | undefined
}

interface Group {
  state: (typeof groupStates)[number]
  slots: Map<string, Slot>
}

/**
 * What one `karafka server` process is doing, from its monitor's events alone: the state of
 * each assigned partition, counters, and latencies since the last report. Pure: `apply` folds
 * an event in, `snapshot` makes the report. No I/O, no timers.
 */
export class ProcessState {
  private state: ProcessReport['state'] = 'running'
  private readonly groups = new Map<string, Group>()
  private readonly totals = { consumed: 0, batches: 0, failures: 0, retries: 0, deadLetters: 0, errors: 0 }
  private lastError: ProcessReport['lastError']
  private windowStart: number
  private windowConsumed = 0
  private handlerMs = newSampler()
  private lambdaMs = newSampler()

  constructor(
    readonly identity: ProcessIdentity,
    groups: readonly string[],
  ) {
    this.windowStart = identity.startedAt
    for (const group of groups) this.group(group)
  }

  /** Folds an event in; true when it changed what the process is doing (worth a report now, not at the next interval). */
  apply<E extends EventName>(event: E, payload: EventPayloads[E], now: number): boolean {
    switch (event) {
      case 'app.running':
        for (const group of (payload as EventPayloads['app.running']).groups) this.group(group)
        return true
      case 'app.stopping':
        this.state = 'stopping'
        return true
      case 'rebalance.partitions_assigned': {
        const { group, partitions } = payload as EventPayloads['rebalance.partitions_assigned']
        const entry = this.group(group)
        entry.state = 'running'
        const kept = new Map<string, Slot>()
        for (const { topic, partition } of partitions) {
          const slot = entry.slots.get(keyOf(topic, partition)) ?? newSlot(topic, partition)
          // Calls begun before the rebalance are stale: they end without an event, and the next owner starts over.
          slot.inFlight = 0
          slot.since = undefined
          kept.set(keyOf(topic, partition), slot)
        }
        entry.slots = kept
        return true
      }
      case 'rebalance.partitions_revoked': {
        const { group, partitions } = payload as EventPayloads['rebalance.partitions_revoked']
        const entry = this.group(group)
        for (const { topic, partition } of partitions) entry.slots.delete(keyOf(topic, partition))
        return true
      }
      case 'consumer.consume': {
        const batch = payload as EventPayloads['consumer.consume']
        const slot = this.slot(batch)
        if (slot.inFlight++ === 0) slot.since = now
        slot.attempt = batch.attempt
        return false
      }
      case 'consumer.consumed': {
        const batch = payload as EventPayloads['consumer.consumed']
        const slot = this.slot(batch)
        this.endCall(slot)
        slot.consumed += batch.messages
        slot.lastOffset = batch.consumedOffset ?? batch.lastOffset
        this.totals.consumed += batch.messages
        this.totals.batches++
        this.windowConsumed += batch.messages
        sample(this.handlerMs, batch.durationMs)
        return false
      }
      case 'consumer.consuming.retry': {
        const retry = payload as EventPayloads['consumer.consuming.retry']
        const slot = this.slot(retry)
        slot.pausedUntil = now + retry.backoffMs
        slot.pausedAt = retry.offset
        slot.attempt = retry.attempt
        slot.reason = `${retry.error.name}: ${retry.error.message}`
        this.totals.retries++
        return true
      }
      case 'client.resume': {
        const slot = this.slot(payload as EventPayloads['client.resume'])
        const changed = slot.pausedUntil !== undefined
        slot.pausedUntil = undefined
        slot.pausedAt = undefined
        return changed
      }
      case 'consumer.consuming.pause': {
        const stop = payload as EventPayloads['consumer.consuming.pause']
        const slot = this.slot(stop)
        slot.stoppedAt = stop.offset
        slot.reason = stop.reason
        return true
      }
      case 'dead_letter_queue.dispatched':
        this.totals.deadLetters++
        return true
      case 'lambda.invoked':
        sample(this.lambdaMs, (payload as EventPayloads['lambda.invoked']).durationMs)
        return false
      case 'statistics.emitted': {
        const { group, lag } = payload as EventPayloads['statistics.emitted']
        const entry = this.groups.get(group)
        for (const [key, value] of Object.entries(lag)) {
          const slot = entry?.slots.get(key)
          if (slot) slot.lag = value
        }
        return false
      }
      case 'error.occurred':
        return this.applyError(payload as EventPayloads['error.occurred'], now)
      default:
        return false
    }
  }

  /** The error record for the errors topic, for a failure of handling; undefined for other errors. */
  errorRecord(event: EventPayloads['error.occurred'], now: number): ErrorRecord | undefined {
    if (!HANDLING_ERRORS.has(event.type)) return undefined
    const { id, app, host, pid } = this.identity
    const slot =
      event.group && event.topic && event.partition !== undefined ? this.find(event.group, event.topic, event.partition) : undefined
    return {
      schema: REPORT_SCHEMA,
      at: now,
      process: id,
      app,
      host,
      pid,
      type: event.type,
      ...(event.group === undefined ? {} : { group: event.group }),
      ...(event.topic === undefined ? {} : { topic: event.topic }),
      ...(event.partition === undefined ? {} : { partition: event.partition }),
      ...(event.offset === undefined ? {} : { offset: event.offset }),
      ...(slot?.attempt === undefined || event.type !== 'consumer.consume.error' ? {} : { attempt: slot.attempt }),
      ...(event.transient ? { transient: true } : {}),
      error: {
        name: event.error.name,
        message: event.error.message,
        ...(event.error.stack ? { stack: event.error.stack.slice(0, STACK_CHARS) } : {}),
      },
    }
  }

  /**
   * The report as of `now`; throughput and latencies cover the time since the previous
   * snapshot, which this one starts anew. `final`: the process has stopped (no partitions).
   */
  snapshot(now: number, rssBytes: number, final = false): ProcessReport {
    const seconds = Math.max(0.001, (now - this.windowStart) / 1000)
    const report: ProcessReport = {
      schema: REPORT_SCHEMA,
      ...this.identity,
      state: final ? 'stopped' : this.state,
      reportedAt: now,
      rssBytes,
      groups: [...this.groups].map(
        ([group, entry]): GroupReport => ({
          group,
          state: final ? 'stopped' : entry.state,
          partitions: final ? [] : [...entry.slots.values()].sort(bySlot).map((slot) => partitionReport(slot, now)),
        }),
      ),
      totals: { ...this.totals },
      throughput: Math.round((this.windowConsumed / seconds) * 10) / 10,
      latency: { handler: latency(this.handlerMs), lambda: latency(this.lambdaMs) },
      ...(this.lastError ? { lastError: this.lastError } : {}),
    }
    this.windowStart = now
    this.windowConsumed = 0
    this.handlerMs = newSampler()
    this.lambdaMs = newSampler()
    return report
  }

  private applyError(event: EventPayloads['error.occurred'], now: number): boolean {
    const { type } = event
    if (type === 'consumer.restarting' || type === 'consumer.crashed') {
      if (event.group) this.group(event.group).state = type === 'consumer.crashed' ? 'crashed' : 'restarting'
    }
    if (type === 'consumer.consume.error' && event.group && event.topic && event.partition !== undefined) {
      this.endCall(this.slot({ group: event.group, topic: event.topic, partition: event.partition }))
      if (!event.transient) this.totals.failures++
    }
    if (!HANDLING_ERRORS.has(type)) return type === 'consumer.restarting'
    this.totals.errors++
    this.lastError = {
      at: now,
      type,
      message: `${event.error.name}: ${event.error.message}`,
      ...(event.group === undefined ? {} : { group: event.group }),
      ...(event.topic === undefined ? {} : { topic: event.topic }),
      ...(event.partition === undefined ? {} : { partition: event.partition }),
    }
    return type === 'consumer.crashed'
  }

  private endCall(slot: Slot): void {
    slot.inFlight = Math.max(0, slot.inFlight - 1)
    if (slot.inFlight === 0) slot.since = undefined
  }

  private group(name: string): Group {
    let group = this.groups.get(name)
    if (!group) {
      group = { state: 'joining', slots: new Map() }
      this.groups.set(name, group)
    }
    return group
  }

  private find(group: string, topic: string, partition: number): Slot | undefined {
    return this.groups.get(group)?.slots.get(keyOf(topic, partition))
  }

  /** The partition's slot, made when an event comes before its assignment was seen. */
  private slot(ref: { group: string; topic: string; partition: number }): Slot {
    const slots = this.group(ref.group).slots
    const key = keyOf(ref.topic, ref.partition)
    let slot = slots.get(key)
    if (!slot) {
      slot = newSlot(ref.topic, ref.partition)
      slots.set(key, slot)
    }
    return slot
  }
}

/** statistics.emitted keys its lag by `topic/partition`: the same key here. */
const keyOf = (topic: string, partition: number) => `${topic}/${partition}`

function newSlot(topic: string, partition: number): Slot {
  return {
    topic,
    partition,
    inFlight: 0,
    since: undefined,
    pausedUntil: undefined,
    pausedAt: undefined,
    attempt: undefined,
    stoppedAt: undefined,
    reason: undefined,
    lastOffset: undefined,
    consumed: 0,
    lag: undefined,
  }
}

const bySlot = (a: Slot, b: Slot) => a.topic.localeCompare(b.topic) || a.partition - b.partition

/** What the partition is doing: stopped at an invalid message, else paused for a backoff, else processing, else idle. */
function partitionReport(slot: Slot, now: number): PartitionReport {
  const base = {
    topic: slot.topic,
    partition: slot.partition,
    consumed: slot.consumed,
    ...(slot.lastOffset === undefined ? {} : { lastOffset: slot.lastOffset }),
    ...(slot.lag === undefined ? {} : { lag: slot.lag }),
  }
  if (slot.stoppedAt !== undefined)
    return { ...base, state: 'stopped', offset: slot.stoppedAt, ...(slot.reason ? { reason: slot.reason } : {}) }
  if (slot.pausedUntil !== undefined && slot.pausedUntil > now - 1_000) {
    return {
      ...base,
      state: 'paused',
      until: slot.pausedUntil,
      ...(slot.pausedAt === undefined ? {} : { offset: slot.pausedAt }),
      ...(slot.attempt === undefined ? {} : { attempt: slot.attempt }),
      ...(slot.reason ? { reason: slot.reason } : {}),
    }
  }
  if (slot.inFlight > 0 && slot.since !== undefined) return { ...base, state: 'processing', since: slot.since }
  return { ...base, state: 'idle' }
}

interface Sampler {
  values: number[]
  count: number
  max: number
}

const newSampler = (): Sampler => ({ values: [], count: 0, max: 0 })

/** Keeps at most SAMPLES values: past that, each new one replaces a random one (a uniform sample of the window); count and max stay exact. */
function sample(sampler: Sampler, value: number): void {
  sampler.count++
  sampler.max = Math.max(sampler.max, value)
  if (sampler.values.length < SAMPLES) sampler.values.push(value)
  else sampler.values[Math.floor(Math.random() * SAMPLES)] = value
}

function latency({ values, count, max }: Sampler): Latency | null {
  if (count === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
  return { count, p50: at(0.5), p95: at(0.95), max }
}
