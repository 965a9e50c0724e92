import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { PartitionRef } from '../instrumentation/events.js'
import type { Monitor } from '../instrumentation/monitor.js'
import { isThrottledAwsError } from '../retry/aws-errors.js'
import type { PartitionLag } from '../topics/lag.js'

/** OpenTelemetry's messaging attributes, as Prometheus label names (dots become underscores). */
const LABELS = [
  'messaging_system',
  'messaging_consumer_group_name',
  'messaging_destination_name',
  'messaging_destination_partition_id',
] as const

/** OpenTelemetry's advice for messaging durations, in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]

/** How long a lag reading is reused: scrapes closer together than this do not ask the broker again. */
const LAG_CACHE_MS = 5_000

export interface MetricsOptions {
  /** Reads the groups' lag from the broker (as `karafka lag` does); called at most every 5 s, on scrape. */
  readLag?: () => Promise<PartitionLag[]>
}

/**
 * The runtime's metrics in the Prometheus format, fed by the monitor: a listener like the
 * logger. Names follow OpenTelemetry's messaging conventions where one exists
 * (messaging_client_consumed_messages_total, messaging_process_duration_seconds), karafka_*
 * otherwise; the lag is kafka_exporter's kafka_consumergroup_lag.
 */
export function createMetrics(monitor: Monitor, options: MetricsOptions = {}): { registry: Registry; detach(): void } {
  const registry = new Registry()
  const counter = (name: string, help: string, labelNames: readonly string[] = LABELS) =>
    new Counter({ name, help, labelNames, registers: [registry] })
  const consumed = counter(
    'messaging_client_consumed_messages_total',
    'Messages handed to a handler that returned (OpenTelemetry messaging.client.consumed.messages)',
  )
  const batches = counter('karafka_consumed_batches_total', 'Handler calls that returned (a call takes up to batch.maxSize messages)')
  const processDuration = new Histogram({
    name: 'messaging_process_duration_seconds',
    help: 'Duration of handler calls that returned, in seconds (OpenTelemetry messaging.process.duration)',
    labelNames: LABELS,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  })
  const failures = counter('karafka_handler_failures_total', 'Handler calls that failed (each one is retried or dead-lettered)')
  const retries = counter('karafka_retries_total', 'Retries scheduled after a failure (a paused partition waiting for its backoff)')
  const deadLetters = counter('karafka_dead_letters_total', 'Messages sent to the dead-letter topic')
  const invalid = counter(
    'karafka_invalid_messages_total',
    'Messages that could not be decoded (dead-lettered at once, or stopping the partition)',
  )
  const commits = counter('karafka_offset_commits_total', 'Offset commits the broker acknowledged')
  const rebalances = counter('karafka_rebalances_total', 'Partition assignments received (one per rebalance the group went through)', [
    'messaging_system',
    'messaging_consumer_group_name',
  ])
  const lambdaLabels = [...LABELS, 'faas_invoked_name'] as const
  const invocations = counter('karafka_lambda_invocations_total', 'Lambda invocations that answered', lambdaLabels)
  const invocationDuration = new Histogram({
    name: 'karafka_lambda_invocation_duration_seconds',
    help: 'Duration of Lambda invocations that answered, in seconds, as the poller saw them',
    labelNames: lambdaLabels,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  })
  const functionErrors = counter(
    'karafka_lambda_function_errors_total',
    'Lambda invocations that answered with a function error',
    lambdaLabels,
  )
  const throttles = counter(
    'karafka_lambda_throttles_total',
    'Lambda invocations refused as throttled (backed off, not counted as attempts)',
  )
  const invokeErrors = counter(
    'karafka_lambda_invoke_errors_total',
    'Lambda invocations that got no answer from the function (throttles included)',
  )
  const crashes = counter(
    'karafka_consumer_restarts_total',
    "Times a group's consumer restarted after a failure (broker gone, coordinator moved)",
    ['messaging_system', 'messaging_consumer_group_name'],
  )

  let lagReading: { at: number; rows: Promise<PartitionLag[]> } | undefined
  new Gauge({
    name: 'kafka_consumergroup_lag',
    help: "Messages not consumed yet: the partition end minus the group's committed offset (as kafka_exporter reports it)",
    labelNames: ['consumergroup', 'topic', 'partition'],
    registers: [registry],
    async collect() {
      if (!options.readLag) return
      if (!lagReading || Date.now() - lagReading.at > LAG_CACHE_MS) lagReading = { at: Date.now(), rows: options.readLag() }
      try {
        this.reset()
        for (const row of await lagReading.rows)
          this.set({ consumergroup: row.group, topic: row.topic, partition: String(row.partition) }, row.lag)
      } catch {
        lagReading = undefined // the broker did not answer: no lag series in this scrape; the next one asks again
      }
    },
  })

  const labels = (ref: Partial<PartitionRef>) => ({
    messaging_system: 'kafka',
    messaging_consumer_group_name: ref.group ?? '',
    messaging_destination_name: ref.topic ?? '',
    messaging_destination_partition_id: ref.partition === undefined ? '' : String(ref.partition),
  })
  const unsubscribes = [
    monitor.subscribe('consumer.consumed', (batch) => {
      const at = labels(batch)
      consumed.inc(at, batch.messages)
      batches.inc(at)
      processDuration.observe(at, batch.durationMs / 1000)
    }),
    monitor.subscribe('consumer.consuming.retry', (retry) => retries.inc(labels(retry))),
    monitor.subscribe('dead_letter_queue.dispatched', (dead) => deadLetters.inc(labels(dead))),
    monitor.subscribe('offsets.committed', (commit) => commits.inc(labels(commit))),
    monitor.subscribe('rebalance.partitions_assigned', ({ group }) =>
      rebalances.inc({ messaging_system: 'kafka', messaging_consumer_group_name: group }),
    ),
    monitor.subscribe('lambda.invoked', (invoked) => {
      const at = { ...labels(invoked), faas_invoked_name: invoked.functionName }
      invocations.inc(at)
      invocationDuration.observe(at, invoked.durationMs / 1000)
      if (invoked.functionError) functionErrors.inc(at)
    }),
    monitor.subscribe('error.occurred', (event) => {
      if (event.type === 'consumer.consume.error') failures.inc(labels(event))
      else if (event.type === 'consumer.invalid_message') invalid.inc(labels(event))
      else if (event.type === 'lambda.invoke.error') {
        invokeErrors.inc(labels(event))
        if (isThrottledAwsError(event.error)) throttles.inc(labels(event))
      } else if (event.type === 'consumer.restarting')
        crashes.inc({ messaging_system: 'kafka', messaging_consumer_group_name: event.group ?? '' })
    }),
  ]
  // An invalid message that went to the dead-letter topic is counted as invalid too (it never reached a handler).
  unsubscribes.push(
    monitor.subscribe('dead_letter_queue.dispatched', (dead) => {
      if (dead.attempts === 0) invalid.inc(labels(dead))
    }),
  )
  return {
    registry,
    detach: () => {
      for (const unsubscribe of unsubscribes) unsubscribe()
    },
  }
}
