import { z } from 'zod'

/**
 * The wire format between `karafka server` and `karafka web`: each process's state report
 * (JSON, keyed by process id, in the compacted reports topic) and one record per handler
 * failure (JSON, in the errors topic). Times are epoch milliseconds; offsets are strings.
 * `schema` is bumped on a change a reader of the old version would misread.
 */
export const REPORT_SCHEMA = 1

const latencySchema = z.object({
  /** Handler calls (or invocations) measured since the previous report. */
  count: z.number(),
  p50: z.number(),
  p95: z.number(),
  max: z.number(),
})

export const partitionStates = ['idle', 'processing', 'paused', 'stopped'] as const

const partitionReportSchema = z.object({
  topic: z.string(),
  partition: z.number(),
  /** idle; processing (since); paused for a retry backoff (until, at offset, attempt); stopped at an invalid message (offset, reason). */
  state: z.enum(partitionStates),
  since: z.number().optional(),
  until: z.number().optional(),
  offset: z.string().optional(),
  attempt: z.number().optional(),
  reason: z.string().optional(),
  /** The last offset a handler call consumed here. */
  lastOffset: z.string().optional(),
  /** Messages this process consumed here since it started. */
  consumed: z.number(),
  /** Messages left after the last batch this process fetched here (kafkajs's offsetLag). */
  lag: z.number().optional(),
})

export const groupStates = ['joining', 'running', 'restarting', 'crashed', 'stopped'] as const

const groupReportSchema = z.object({
  group: z.string(),
  state: z.enum(groupStates),
  partitions: z.array(partitionReportSchema),
})

const lastErrorSchema = z.object({
  at: z.number(),
  type: z.string(),
  message: z.string(),
  group: z.string().optional(),
  topic: z.string().optional(),
  partition: z.number().optional(),
})

export const processStates = ['running', 'stopping', 'stopped'] as const

export const processReportSchema = z.object({
  schema: z.literal(REPORT_SCHEMA),
  /** The record key: host, pid and a random part (a restarted container may reuse its pid). */
  id: z.string(),
  /** app.clientId of the manifest the process runs. */
  app: z.string(),
  host: z.string(),
  pid: z.number(),
  /** karafka-ts's version, and Node's. */
  version: z.string(),
  node: z.string(),
  state: z.enum(processStates),
  startedAt: z.number(),
  reportedAt: z.number(),
  /** The process reports at least this often while it runs: a report older than 3 intervals is stale. */
  intervalMs: z.number(),
  rssBytes: z.number(),
  groups: z.array(groupReportSchema),
  totals: z.object({
    consumed: z.number(),
    batches: z.number(),
    failures: z.number(),
    retries: z.number(),
    deadLetters: z.number(),
    errors: z.number(),
  }),
  /** Messages consumed per second since the previous report. */
  throughput: z.number(),
  latency: z.object({ handler: latencySchema.nullable(), lambda: latencySchema.nullable() }),
  lastError: lastErrorSchema.optional(),
})

export type ProcessReport = z.infer<typeof processReportSchema>
export type GroupReport = ProcessReport['groups'][number]
export type PartitionReport = GroupReport['partitions'][number]
export type Latency = z.infer<typeof latencySchema>
export type PartitionState = (typeof partitionStates)[number]

export const errorRecordSchema = z.object({
  schema: z.literal(REPORT_SCHEMA),
  at: z.number(),
  /** The reporting process: its id (the reports topic's key), app, host and pid. */
  process: z.string(),
  app: z.string(),
  host: z.string(),
  pid: z.number(),
  /** error.occurred's type: consumer.consume.error, consumer.invalid_message, lambda.invoke.error, ... */
  type: z.string(),
  group: z.string().optional(),
  topic: z.string().optional(),
  partition: z.number().optional(),
  offset: z.string().optional(),
  /** The attempt of the handler call that failed. */
  attempt: z.number().optional(),
  /** Not the handler's fault (throttled, network): no attempt was counted. */
  transient: z.boolean().optional(),
  error: z.object({ name: z.string(), message: z.string(), stack: z.string().optional() }),
})

export type ErrorRecord = z.infer<typeof errorRecordSchema>

/** A report from a record value, or undefined when it is not one this version reads. */
export function parseReport(value: Buffer | string | null): ProcessReport | undefined {
  return parseJson(value, processReportSchema)
}

/** An error record from a record value, or undefined when it is not one this version reads. */
export function parseErrorRecord(value: Buffer | string | null): ErrorRecord | undefined {
  return parseJson(value, errorRecordSchema)
}

function parseJson<T>(value: Buffer | string | null, schema: z.ZodType<T>): T | undefined {
  if (value === null) return undefined
  try {
    const result = schema.safeParse(JSON.parse(typeof value === 'string' ? value : value.toString('utf8')))
    return result.success ? result.data : undefined
  } catch {
    return undefined
  }
}
