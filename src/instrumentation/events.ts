/** The closed catalogue of instrumentation events (Karafka's names) and their payloads. */

export interface PartitionRef {
  group: string
  topic: string
  partition: number
}

export interface BatchInfo extends PartitionRef {
  messages: number
  firstOffset: string
  lastOffset: string
  attempt: number
  /** The virtual partition the batch ran in, on a route with virtualPartitions. */
  virtualPartition?: number
}

/** What `error.occurred` reports; `type` says where it happened. */
export type ErrorType =
  | 'consumer.consume.error'
  | 'consumer.invalid_message'
  | 'consumer.commit.error'
  | 'consumer.heartbeat.error'
  | 'consumer.crashed'
  | 'consumer.restarting'
  /** A try to rejoin after a crash failed (the broker is still away); the next comes after a backoff. */
  | 'consumer.rejoin.error'
  | 'dead_letter_queue.dispatch.error'
  /** A transactional route's transaction (or taking its partition over) failed and was aborted: the batch is tried again, uncounted. */
  | 'consumer.transaction.error'
  /** Another member's producer took a transactional route's partition over: this member's transaction was refused. */
  | 'consumer.transaction.fenced'
  | 'lambda.invoke.error'
  | 'listener.error'
  | 'app.shutdown.timeout'
  /** kafkajs logged an error (a broker it cannot reach, a crash, a failed request). */
  | 'kafka.error'
  /** kafkajs logged a warning (a rebalance it rejoins, a metadata refresh). */
  | 'kafka.warning'
  /** A state report or error record for `karafka web` could not be sent (processing goes on; the next report tries again). */
  | 'web.report.error'

export interface EventPayloads {
  'app.running': { groups: string[]; backend: string; metricsUrl?: string }
  'app.stopping': { signal: string | undefined }
  'app.stopped': { durationMs: number }
  'consumer.consume': BatchInfo
  'consumer.consumed': BatchInfo & { durationMs: number; consumedOffset: string | undefined }
  'consumer.consuming.retry': PartitionRef & { offset: string; attempt: number; backoffMs: number; error: Error; exhausted: boolean }
  'consumer.consuming.pause': PartitionRef & { offset: string; reason: string }
  /** A message that disagrees with itself (its event_name header, or its key, against its envelope), handed over all the same. */
  'consumer.message.inconsistent': PartitionRef & { offset: string; reason: string }
  'client.pause': PartitionRef
  'client.resume': PartitionRef
  'rebalance.partitions_assigned': { group: string; partitions: { topic: string; partition: number }[] }
  'rebalance.partitions_revoked': { group: string; partitions: { topic: string; partition: number }[] }
  'dead_letter_queue.dispatched': PartitionRef & { offset: string; deadLetter: string; reason: string; attempts: number }
  /** `records`: on a transactional route, how many records its transaction wrote with the offset. */
  'offsets.committed': PartitionRef & { offset: string; records?: number }
  'lambda.invoke': PartitionRef & { functionName: string; messages: number; bytes: number }
  'lambda.invoked': PartitionRef & {
    functionName: string
    messages: number
    durationMs: number
    statusCode: number
    functionError: string | undefined
  }
  /** `inconsistent`: messages reported by consumer.message.inconsistent since the start. */
  'statistics.emitted': { group: string; consumed: number; batches: number; lag: Record<string, number>; inconsistent: number }
  'error.occurred': {
    type: ErrorType
    error: Error
    group?: string
    topic?: string
    partition?: number
    offset?: string
    /** A failure that is not the handler's (throttled, network, a function built from another manifest): no attempt is counted. */
    transient?: boolean
  }
  /** Handler log lines (ctx.logger), routed through the monitor like everything else. */
  'consumer.log': PartitionRef & {
    level: 'debug' | 'info' | 'warn' | 'error'
    message: string
    fields: Record<string, unknown> | undefined
  }
  /** kafkajs's own info and debug log lines (its warnings and errors are error.occurred). */
  'client.log': { namespace: string; message: string; fields: Record<string, unknown> }
}

export type EventName = keyof EventPayloads

export const EVENT_NAMES = [
  'app.running',
  'app.stopping',
  'app.stopped',
  'consumer.consume',
  'consumer.consumed',
  'consumer.consuming.retry',
  'consumer.consuming.pause',
  'consumer.message.inconsistent',
  'client.pause',
  'client.resume',
  'rebalance.partitions_assigned',
  'rebalance.partitions_revoked',
  'dead_letter_queue.dispatched',
  'offsets.committed',
  'lambda.invoke',
  'lambda.invoked',
  'statistics.emitted',
  'error.occurred',
  'consumer.log',
  'client.log',
] as const satisfies readonly EventName[]
