import { decodeRecord, isInvalidRecord, type RawRecord } from '../consumer/decode.js'
import type { ConsumerDefinition, Message } from '../consumer/types.js'
import { splitVirtual, WindowProgress } from '../consumer/virtual-partitions.js'
import { KarafkaError } from '../errors/index.js'
import type { Logger } from '../instrumentation/logger.js'
import { createLocalInvoker, loadHandlers } from '../invokers/local.js'
import { assertFresh } from '../manifest/fingerprint.js'
import { loadManifest } from '../manifest/load.js'
import type { Manifest, Route } from '../manifest/types.js'
import { EVENT_NAME_HEADER, encodeEnvelope } from '../producer/envelope.js'
import { partitionKeyOf } from '../producer/partition-key.js'
import type { Delivery, OutgoingRecord, RecordSender } from '../producer/sender.js'
import { validatePayload } from '../producer/validate.js'
import type { Topology } from '../topology.js'

/** A message a handler sent through `ctx.responders`. */
export interface ProducedMessage {
  topic: string
  partition: number
  offset: string
  key: string | null
  /** The event name, or null for a tombstone. */
  event: string | null
  payload: unknown
  headers: Record<string, string>
}

export interface ProduceOptions {
  partition?: number
  /** Overrides the key derived from the payload. */
  key?: string | null
  headers?: Record<string, string>
  timestamp?: Date
}

/** The outcome of one `consume()`: how far the handler got, and its error if it threw. */
export interface ConsumeResult {
  consumed: string | undefined
  error?: Error
  /** What the handler logged through ctx.logger. */
  logs: { level: string; message: string; fields?: Record<string, unknown> }[]
  /** The handler calls, in the order they started: one per partition, or one per virtual partition on a route with virtualPartitions. */
  batches: { partition: number; virtualPartition?: number; offsets: string[] }[]
}

/** One route's handler, run on the messages produced to its topic. */
export interface TestConsumer {
  readonly route: Route
  /** Messages produced to the topic and not consumed yet. */
  readonly pending: Message[]
  /**
   * Runs the handler once on every pending message of the topic, like the poller: one batch
   * per partition, or, on a route with virtualPartitions, one batch per virtual partition, all
   * of a partition's at once. `consumed` is then the last offset below the first one not handled.
   */
  consume(options?: { attempt?: number; signal?: AbortSignal }): Promise<ConsumeResult>
}

export interface TestHarnessOptions {
  /** The manifest (default ./karafka.yml): it says which handler consumes which topic. */
  manifest?: string
}

/**
 * Runs handlers without a broker, like karafka-testing: produce typed messages with
 * `produce(topic, event, payload)`, run a route's handler with `consumerFor(group, topic)`,
 * and inspect what it sent through ctx.responders in `producedMessages`. Payloads are
 * validated and encoded exactly as the responders and the poller do.
 */
export class TestHarness {
  /** What handlers sent through ctx.responders, in order. */
  readonly producedMessages: ProducedMessage[] = []
  private readonly manifest: Manifest
  private topology: Topology | undefined
  private readonly pending = new Map<string, RawRecord[]>()
  private readonly offsets = new Map<string, bigint>()
  private readonly sender: RecordSender = { send: (topic, record) => Promise.resolve(this.capture(topic, record)) }

  constructor(options: TestHarnessOptions = {}) {
    this.manifest = loadManifest(options.manifest ?? 'karafka.yml')
  }

  /** Loads the route's handler. @throws KarafkaError when the route or its handler is missing. */
  async consumerFor(group: string, topic: string): Promise<TestConsumer> {
    const route = this.manifest.routes.find((r) => r.group === group && r.topic === topic)
    if (!route) throw new KarafkaError('ARGUMENTS_INVALID', `the manifest has no route ${group}/${topic}`)
    const definitions = await loadHandlers(this.manifest, [route])
    const definition = definitions.get(`${group}/${topic}`) as ConsumerDefinition
    assertFresh(this.manifest, definition.topology.fingerprint, `the generated code of ${group}/${topic}`)
    this.topology ??= definition.topology
    const invoker = createLocalInvoker(definitions, this.sender)
    const harness = this
    return {
      route,
      get pending() {
        return harness.decoded(topic)
      },
      async consume({ attempt = 1, signal = new AbortController().signal } = {}) {
        const records = harness.pending.get(topic) ?? []
        harness.pending.set(topic, [])
        const logs: ConsumeResult['logs'] = []
        const logger = captureLogger(logs)
        const batches: ConsumeResult['batches'] = []
        const settings = route.virtualPartitions && route.virtualPartitions.max > 1 ? route.virtualPartitions : undefined
        let consumed: string | undefined
        for (const partition of [...new Set(records.map((r) => r.partition))]) {
          const batch = records.filter((r) => r.partition === partition)
          const messages = batch.map((r) => harness.decode(r))
          const recordAt = new Map(batch.map((r) => [r.offset, r]))
          const groups = settings
            ? splitVirtual(messages, settings, harness.getTopology().topics[topic]?.key)
            : [{ virtualPartition: undefined, messages }]
          const results = await Promise.all(
            groups.map(({ virtualPartition, messages: part }) => {
              batches.push({
                partition,
                ...(virtualPartition === undefined ? {} : { virtualPartition }),
                offsets: part.map((m) => m.offset),
              })
              return invoker.invoke({
                route,
                messages: part,
                records: part.map((m) => recordAt.get(m.offset)!),
                context: { group, topic, partition, attempt, logger, signal },
              })
            }),
          )
          // A transactional route's handler staged what it published: the batch's transaction writes it, as the poller would.
          for (const { topic: to, record } of results.flatMap((result) => result.records ?? [])) harness.capture(to, record)
          const progress = new WindowProgress(messages.map((m) => m.offset))
          for (const [i, { consumed: upTo }] of results.entries()) {
            if (upTo !== undefined) progress.add(groups[i]!.messages.filter((m) => BigInt(m.offset) <= BigInt(upTo)).map((m) => m.offset))
          }
          consumed = progress.upTo
          const failed = results.find((result) => result.error)
          if (failed) return { consumed, error: failed.error!, logs, batches }
        }
        return { consumed, logs, batches }
      },
    }
  }

  /** Adds a message for the topic's handler: validated, keyed and encoded as a responder would. Returns it decoded. */
  produce(topic: string, event: string, payload: unknown, options: ProduceOptions = {}): Message {
    const spec = this.getTopology().topics[topic]
    const schema = spec?.events[event]?.schema
    if (!spec || !schema) throw new KarafkaError('ARGUMENTS_INVALID', `the manifest has no event ${event} on topic ${topic}`)
    const parsed = validatePayload(schema, payload, topic, event)
    const key = options.key !== undefined ? options.key : spec.key === undefined ? null : partitionKeyOf(parsed, spec.key, topic)
    return this.add(topic, key, encodeEnvelope(event, parsed), { [EVENT_NAME_HEADER]: event, ...options.headers }, options)
  }

  /** Adds a tombstone (the key with a null value) for the topic's handler. */
  tombstone(topic: string, key: string | number, options: ProduceOptions = {}): Message {
    return this.add(topic, String(key), null, options.headers ?? {}, options)
  }

  private add(topic: string, key: string | null, value: string | null, headers: Record<string, string>, options: ProduceOptions): Message {
    const partition = options.partition ?? 0
    const offset = this.nextOffset(topic, partition)
    const record: RawRecord = {
      topic,
      partition,
      offset,
      key: key === null ? null : Buffer.from(key),
      value: value === null ? null : Buffer.from(value),
      timestamp: String((options.timestamp ?? new Date()).getTime()),
      headers,
    }
    this.pending.set(topic, [...(this.pending.get(topic) ?? []), record])
    return this.decode(record)
  }

  private decoded(topic: string): Message[] {
    return (this.pending.get(topic) ?? []).map((r) => this.decode(r))
  }

  private decode(record: RawRecord): Message {
    const decoded = decodeRecord(this.getTopology(), record)
    if (isInvalidRecord(decoded)) throw new KarafkaError('MESSAGE_INVALID', decoded.reason)
    return decoded
  }

  private nextOffset(topic: string, partition: number): string {
    const key = `${topic}/${partition}`
    const offset = this.offsets.get(key) ?? 0n
    this.offsets.set(key, offset + 1n)
    return String(offset)
  }

  private capture(topic: string, record: OutgoingRecord): Delivery {
    const partition = 0
    const offset = this.nextOffset(`produced:${topic}`, partition)
    const value = record.value === null ? null : (JSON.parse(record.value.toString()) as { event_name: string; payload: unknown })
    const headers = Object.fromEntries(Object.entries(record.headers ?? {}).map(([k, v]) => [k, v.toString()]))
    this.producedMessages.push({
      topic,
      partition,
      offset,
      key: record.key === null ? null : record.key.toString(),
      event: value?.event_name ?? null,
      payload: value?.payload ?? null,
      headers,
    })
    return { topic, partition, offset }
  }

  private getTopology(): Topology {
    if (this.topology) return this.topology
    throw new KarafkaError(
      'ARGUMENTS_INVALID',
      'call consumerFor(group, topic) before producing: the harness learns the topics from the handler',
      {
        hint: 'const consumer = await t.consumerFor(group, topic); t.produce(topic, event, payload)',
      },
    )
  }
}

function captureLogger(logs: ConsumeResult['logs']): Logger {
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    void logs.push({ level, message, ...(fields ? { fields } : {}) })
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }
}

/** `const t = createTestHarness()`: see {@link TestHarness}. */
export function createTestHarness(options: TestHarnessOptions = {}): TestHarness {
  return new TestHarness(options)
}
