import type { Logger } from '../instrumentation/logger.js'
import type { Topology } from '../topology.js'

/** One event of a topic: its name and its typed payload. Generated per topic as `UsersEvent`. */
export interface EventOf<Name extends string = string, Payload = unknown> {
  event: Name
  payload: Payload
}

/** What every message carries besides its event. Offsets are strings: Kafka's are 64-bit. */
export interface MessageMeta {
  topic: string
  partition: number
  offset: string
  key: string | null
  timestamp: Date
  headers: Record<string, string>
}

/**
 * A decoded message of a topic whose events are `E`: one variant per event, narrowed by
 * `message.event`, plus the tombstone (a key with a null value) that compaction deletes.
 */
export type Message<E = EventOf> =
  | (MessageMeta & E & { tombstone: false })
  | (MessageMeta & { event: null; payload: null; tombstone: true })

/** What a handler gets besides its messages. */
export interface ConsumerContext<R = unknown> {
  group: string
  topic: string
  partition: number
  /** 1 on the first try of a batch, then 2, 3, ... while it is retried. */
  attempt: number
  logger: Logger
  /** Aborted on shutdown, on losing the partition in a rebalance, or before a Lambda deadline. */
  signal: AbortSignal
  /** Checkpoint inside a batch: a later failure retries only the messages after this one. */
  markAsConsumed(message: Pick<MessageMeta, 'offset'>): void
  /** The typed responders, bound to the runtime's producer. */
  responders: R
}

/** A handler: returning means the whole batch is consumed; throwing retries what was not marked. */
export type ConsumerFn<E = EventOf, R = unknown> = (messages: Message<E>[], ctx: ConsumerContext<R>) => Promise<void> | void

/** What `defineConsumer` returns and a handler file exports by default. */
export interface ConsumerDefinition<E = EventOf, R = unknown> {
  readonly kind: 'karafka-ts.consumer'
  readonly group: string
  readonly topic: string
  readonly topology: Topology
  readonly fn: ConsumerFn<E, R>
}

/** Builds the definition behind a generated, typed `defineConsumer`. */
export function createConsumerDefinition<E, R>(
  group: string,
  topic: string,
  topology: Topology,
  fn: ConsumerFn<E, R>,
): ConsumerDefinition<E, R> {
  return Object.freeze({ kind: 'karafka-ts.consumer' as const, group, topic, topology, fn })
}

/** True for what `defineConsumer` returns, whatever copy of karafka-ts made it. */
export function isConsumerDefinition(value: unknown): value is ConsumerDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'karafka-ts.consumer' &&
    typeof (value as { fn?: unknown }).fn === 'function'
  )
}
