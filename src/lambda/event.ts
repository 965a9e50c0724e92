import type { RawRecord } from '../consumer/decode.js'

/** One record of AWS's self-managed Kafka event: key and value in base64, header values as byte arrays. */
export interface AwsKafkaRecord {
  topic: string
  partition: number
  offset: number | string
  timestamp: number
  timestampType: string
  key?: string | null
  value?: string | null
  headers?: Record<string, number[]>[]
}

/** AWS's self-managed Kafka event (plus `karafka.partial`, which only the karafka poller sends). */
export interface AwsKafkaEvent {
  eventSource: 'SelfManagedKafka' | 'aws:kafka'
  bootstrapServers?: string
  records: Record<string, AwsKafkaRecord[]>
  /** Sent by the karafka poller only: partial answers, the attempt, the group, and the fingerprint of the generated code it runs. */
  karafka?: {
    partial?: boolean
    attempt?: number
    group?: string
    fingerprint?: string
    /** The poller's trace context (W3C traceparent and tracestate): the function's span continues it. */
    trace?: Record<string, string>
  }
}

/** The answer to a poller's partial invocation: the last consumed offset per `topic-partition`, and the error if any. */
export interface PartialResult {
  consumed: Record<string, string>
  /** The handler's error; `code` CODEGEN_STALE when the function was built from another manifest than the poller's. */
  error?: { name: string; message: string; code?: string }
}

/** Decodes one AWS Kafka record into the runtime's raw record. */
export function fromAwsRecord(record: AwsKafkaRecord): RawRecord {
  const headers: Record<string, Buffer> = {}
  for (const entry of record.headers ?? []) {
    for (const [name, bytes] of Object.entries(entry)) headers[name] = Buffer.from(bytes)
  }
  return {
    topic: record.topic,
    partition: record.partition,
    offset: String(record.offset),
    key: record.key ? Buffer.from(record.key, 'base64') : null,
    value: record.value === null || record.value === undefined ? null : Buffer.from(record.value, 'base64'),
    timestamp: String(record.timestamp),
    headers,
  }
}

/** The AWS form of a record: base64 key and value, header values as byte arrays. */
export function toAwsRecord(record: RawRecord): AwsKafkaRecord {
  const headers: Record<string, number[]>[] = []
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined) headers.push({ [name]: [...Buffer.from(item)] })
    }
  }
  return {
    topic: record.topic,
    partition: record.partition,
    offset: Number(record.offset),
    timestamp: Number(record.timestamp),
    timestampType: 'CREATE_TIME',
    key: record.key === null ? null : record.key.toString('base64'),
    value: record.value === null ? null : record.value.toString('base64'),
    headers,
  }
}
