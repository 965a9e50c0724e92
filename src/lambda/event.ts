import type { RawRecord } from '../consumer/decode.js'
import type { StagedRecord } from '../producer/staged.js'

/** Lambda's limit for a synchronous response payload (6 MB), with room to spare. */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024 - 16 * 1024

/** One header of an AWS Kafka record: its name and its value as Java's signed bytes (-128..127). */
export type AwsKafkaHeader = Record<string, number[]>

/**
 * One record of AWS's Kafka event (self-managed or MSK): key and value in base64, each header
 * an object of its own (a name may repeat), its value as signed bytes. AWS leaves `key` out for
 * a record without one and `value` out for a tombstone; `null` is read the same way.
 */
export interface AwsKafkaRecord {
  topic: string
  partition: number
  offset: number
  /** Milliseconds since the epoch. */
  timestamp: number
  timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME'
  key?: string | null
  value?: string | null
  headers: AwsKafkaHeader[]
}

/** What AWS's self-managed Kafka and Amazon MSK events share, plus `karafka`, which only the karafka poller sends. */
interface AwsKafkaEventBase {
  /** The brokers, comma-separated. */
  bootstrapServers: string
  /** Keyed `<topic>-<partition>`. */
  records: Record<string, AwsKafkaRecord[]>
  /** Sent by the karafka poller only: partial answers, the attempt, the group, and the fingerprint of the generated code it runs. */
  karafka?: {
    partial?: boolean
    attempt?: number
    group?: string
    fingerprint?: string
    /** The poller's trace context (W3C traceparent and tracestate): the function's span continues it. */
    trace?: Record<string, string>
    /** A transactional route: ctx.responders stage what they publish, and the answer carries it for the poller's transaction. */
    transactional?: boolean
  }
}

/** AWS's event for self-managed Apache Kafka: what the karafka poller sends too. */
export interface AwsSelfManagedKafkaEvent extends AwsKafkaEventBase {
  eventSource: 'SelfManagedKafka'
}

/** AWS's event for Amazon MSK: `aws:kafka`, with the cluster's ARN. */
export interface AwsMskEvent extends AwsKafkaEventBase {
  eventSource: 'aws:kafka'
  eventSourceArn: string
}

/** A Lambda event from Kafka: AWS's self-managed Kafka event or its Amazon MSK event. */
export type AwsKafkaEvent = AwsSelfManagedKafkaEvent | AwsMskEvent

/** The answer to a poller's partial invocation: the last consumed offset per `topic-partition`, and the error if any. */
export interface PartialResult {
  consumed: Record<string, string>
  /**
   * The handler's error; `code` CODEGEN_STALE when the function was built from another manifest
   * than the poller's, RESPONSE_TOO_LARGE when what a transactional route published does not fit
   * in Lambda's 6 MB response (the poller invokes it again on fewer records).
   */
  error?: { name: string; message: string; code?: string }
  /** On a transactional route: what the handler published for the consumed part, for the poller to write with the offsets. */
  records?: AwsStagedRecord[]
}

/** A record a transactional route's function staged: key and value in base64 (null for none), header values in base64. */
export interface AwsStagedRecord {
  topic: string
  key: string | null
  value: string | null
  headers: Record<string, string>
}

/** What the function staged, in the answer's form. */
export function toAwsStaged(records: StagedRecord[]): AwsStagedRecord[] {
  const base64 = (value: string | Buffer) => Buffer.from(value).toString('base64')
  return records.map(({ topic, record }) => ({
    topic,
    key: record.key === null ? null : base64(record.key),
    value: record.value === null ? null : base64(record.value),
    headers: Object.fromEntries(Object.entries(record.headers ?? {}).map(([name, value]) => [name, base64(value)])),
  }))
}

/** The records of a function's answer, as the poller writes them. */
export function fromAwsStaged(records: AwsStagedRecord[]): StagedRecord[] {
  const bytes = (value: string) => Buffer.from(value, 'base64')
  return records.map(({ topic, key, value, headers }) => ({
    topic,
    record: {
      key: key === null ? null : bytes(key),
      value: value === null ? null : bytes(value),
      headers: Object.fromEntries(Object.entries(headers).map(([name, v]) => [name, bytes(v)])),
    },
  }))
}

/**
 * The partial batch answer AWS's event source mapping reads when the mapping sets
 * `FunctionResponseTypes: [ReportBatchItemFailures]`: each record that failed, named by its
 * `records` key (`<topic>-<partition>`) and offset. An empty list means the batch succeeded.
 */
export interface KafkaBatchResponse {
  batchItemFailures: { itemIdentifier: { partition: string; offset: number } }[]
}

/** Decodes one AWS Kafka record into the runtime's raw record; a missing or null key or value is null. */
export function fromAwsRecord(record: AwsKafkaRecord): RawRecord {
  const headers: Record<string, Buffer> = {}
  // Buffer.from keeps the low 8 bits of each number, so AWS's signed bytes (-61) and unsigned ones (195) read alike.
  for (const entry of record.headers ?? []) {
    for (const [name, bytes] of Object.entries(entry)) headers[name] = Buffer.from(bytes)
  }
  return {
    topic: record.topic,
    partition: record.partition,
    offset: String(record.offset),
    key: record.key === null || record.key === undefined ? null : Buffer.from(record.key, 'base64'),
    value: record.value === null || record.value === undefined ? null : Buffer.from(record.value, 'base64'),
    timestamp: String(record.timestamp),
    headers,
  }
}

/**
 * The AWS form of a record, as AWS's event source mapping sends it: base64 key and value, left
 * out when null; header values as signed bytes, one object per value.
 */
export function toAwsRecord(record: RawRecord, timestampType: AwsKafkaRecord['timestampType'] = 'CREATE_TIME'): AwsKafkaRecord {
  const headers: AwsKafkaHeader[] = []
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) {
      // A header without a value (null) goes as no bytes.
      if (item !== undefined) headers.push({ [name]: item === null ? [] : signedBytes(Buffer.from(item)) })
    }
  }
  return {
    topic: record.topic,
    partition: record.partition,
    offset: Number(record.offset),
    timestamp: Number(record.timestamp),
    timestampType,
    ...(record.key === null ? {} : { key: record.key.toString('base64') }),
    ...(record.value === null ? {} : { value: record.value.toString('base64') }),
    headers,
  }
}

/** Bytes as Java's signed bytes, the form AWS sends header values in. */
function signedBytes(bytes: Buffer): number[] {
  return Array.from(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length))
}
