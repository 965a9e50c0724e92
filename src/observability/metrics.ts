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

const OPERATION_LABELS = [...LABELS, 'messaging_operation_name'] as const

/** OpenTelemetry's advice for messaging durations, in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]

/** How lag readings serve scrapes; the defaults suit Prometheus's 10 s scrape timeout. */
export interface LagTimings {
  /** A reading younger than this is reused: scrapes closer together do not ask the broker again. */
  reuseMs: number
  /** How long a scrape waits for a new reading before it answers with the last one. */
  waitMs: number
  /** A reading older than this is not served: with the broker gone that long, the lag series are left out. */
  staleMs: number
}

const LAG_TIMINGS: LagTimings = { reuseMs: 5_000, waitMs: 2_000, staleMs: 60_000 }

export interface MetricsOptions {
  /** Reads the groups' lag from the broker (as `karafka lag` does); one read at a time, at most every 5 s, on scrape. */
  readLag?: () => Promise<PartitionLag[]>
  lagTimings?: Partial<LagTimings>
}

/**
 * The lag for scrapes, never piling reads up: one read runs at a time, a scrape waits for it
 * only `waitMs`, and otherwise gets the last reading while it is not stale. A broker that
 * does not answer slows no scrape past `waitMs`.
 */
export class LagReadings {
  private last: { at: number; rows: PartitionLag[] } | undefined
  private reading: Promise<void> | undefined
  private readonly timings: LagTimings

  constructor(
    private readonly read: () => Promise<PartitionLag[]>,
    timings: Partial<LagTimings> = {},
  ) {
    this.timings = { ...LAG_TIMINGS, ...timings }
  }

  /** The rows to serve now, or undefined when there is no reading fresh enough. */
  async rows(): Promise<PartitionLag[] | undefined> {
    if (!this.last || Date.now() - this.last.at > this.timings.reuseMs) {
      this.reading ??= this.read()
        .then(
          (rows) => {
            this.last = { at: Date.now(), rows }
          },
          () => {}, // the broker did not answer: the last reading stands, and the next scrape asks again
        )
        .finally(() => {
          this.reading = undefined
        })
      let timer: NodeJS.Timeout | undefined
      await Promise.race([this.reading, new Promise((resolve) => (timer = setTimeout(resolve, this.timings.waitMs).unref()))])
      clearTimeout(timer)
    }
    return this.last && Date.now() - this.last.at <= this.timings.staleMs ? this.last.rows : undefined
  }
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
  // OpenTelemetry's two consumer metrics carry the operation too: a handler call is a `process`.
  const consumed = counter(
    'messaging_client_consumed_messages_total',
    'Messages handed to a handler, each delivery counted (a retried message again), as OpenTelemetry messaging.client.consumed.messages counts them',
    OPERATION_LABELS,
  )
  const batches = counter('karafka_consumed_batches_total', 'Handler calls that returned (a call takes up to batch.maxSize messages)')
  const processDuration = new Histogram({
    name: 'messaging_process_duration_seconds',
    help: 'Duration of handler calls that returned, in seconds (OpenTelemetry messaging.process.duration; failed calls are counted by karafka_handler_failures_total)',
    labelNames: OPERATION_LABELS,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  })
  const failures = counter('karafka_handler_failures_total', 'Handler calls that failed, each an attempt (retried or dead-lettered)')
  const transient = counter(
    'karafka_transient_failures_total',
    "Calls that failed for a reason not the handler's (throttled, network, a function built from another manifest): backed off, no attempt counted",
  )
  const retries = counter('karafka_retries_total', 'Retries scheduled after a failure (a paused partition waiting for its backoff)')
  const deadLetters = counter('karafka_dead_letters_total', 'Messages sent to the dead-letter topic')
  const invalid = counter(
    'karafka_invalid_messages_total',
    'Messages that could not be decoded (dead-lettered at once, or stopping the partition)',
  )
  const inconsistent = counter(
    'karafka_inconsistent_messages_total',
    "Messages handed over although their event_name header or key disagrees with their envelope's event or partition key",
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
    "Times a group's consumer restarted after a failure (broker gone, coordinator moved); failed tries to rejoin are not counted",
    ['messaging_system', 'messaging_consumer_group_name'],
  )

  const lag = options.readLag && new LagReadings(options.readLag, options.lagTimings)
  new Gauge({
    name: 'kafka_consumergroup_lag',
    help: "Messages not consumed yet: the partition end minus the group's committed offset (as kafka_exporter reports it)",
    labelNames: ['consumergroup', 'topic', 'partition'],
    registers: [registry],
    async collect() {
      if (!lag) return
      const rows = await lag.rows()
      this.reset()
      for (const row of rows ?? []) this.set({ consumergroup: row.group, topic: row.topic, partition: String(row.partition) }, row.lag)
    },
  })

  const labels = (ref: Partial<PartitionRef>) => ({
    messaging_system: 'kafka',
    messaging_consumer_group_name: ref.group ?? '',
    messaging_destination_name: ref.topic ?? '',
    messaging_destination_partition_id: ref.partition === undefined ? '' : String(ref.partition),
  })
  const unsubscribes = [
    monitor.subscribe('consumer.consume', (batch) =>
      consumed.inc({ ...labels(batch), messaging_operation_name: 'process' }, batch.messages),
    ),
    monitor.subscribe('consumer.consumed', (batch) => {
      const at = labels(batch)
      batches.inc(at)
      processDuration.observe({ ...at, messaging_operation_name: 'process' }, batch.durationMs / 1000)
    }),
    monitor.subscribe('consumer.consuming.retry', (retry) => retries.inc(labels(retry))),
    monitor.subscribe('dead_letter_queue.dispatched', (dead) => deadLetters.inc(labels(dead))),
    monitor.subscribe('offsets.committed', (commit) => commits.inc(labels(commit))),
    monitor.subscribe('consumer.message.inconsistent', (message) => inconsistent.inc(labels(message))),
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
      if (event.type === 'consumer.consume.error') (event.transient ? transient : failures).inc(labels(event))
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
