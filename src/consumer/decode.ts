import { type InspectOptions, inspect } from 'node:util'
import type { IHeaders, KafkaMessage } from 'kafkajs'
import { FetchedRecord } from '../kafka/records/fetched-record.js'
import { EVENT_NAME_HEADER, parseEnvelope } from '../producer/envelope.js'
import { describeIssues } from '../producer/validate.js'
import type { Topology, TopologyTopic } from '../topology.js'
import type { Message } from './types.js'

/** A record as it comes off the wire, from kafkajs or from AWS's Kafka event. */
export interface RawRecord {
  topic: string
  partition: number
  offset: string
  key: Buffer | null
  value: Buffer | null
  /** Milliseconds since the epoch, as a string (kafkajs's form). */
  timestamp: string
  headers?: IHeaders
}

/**
 * A record of a kafkajs batch, as the poller reads it: its key, value and headers are the
 * message's, read when asked for. The poller's kafkajs gives {@link FetchedRecord}s, which
 * make them only then: a record's value is parsed from the fetched bytes and its key compared
 * in place, so that most records never get a Buffer of either.
 */
export class BatchRecord implements RawRecord {
  readonly offset: string
  readonly timestamp: string
  /** The kafkajs message, when it reads its value and key in place. */
  readonly fetched: FetchedRecord | undefined
  readonly #message: KafkaMessage

  constructor(
    readonly topic: string,
    readonly partition: number,
    message: KafkaMessage,
  ) {
    this.offset = message.offset
    this.timestamp = message.timestamp
    this.fetched = message instanceof FetchedRecord ? message : undefined
    this.#message = message
  }

  get key(): Buffer | null {
    return this.#message.key ?? null
  }

  get value(): Buffer | null {
    return this.#message.value ?? null
  }

  get headers(): IHeaders {
    return this.#message.headers ?? {}
  }

  toJSON(): RawRecord {
    const { topic, partition, offset, key, value, timestamp, headers } = this
    return { topic, partition, offset, key, value, timestamp, headers }
  }

  [inspect.custom](_depth: number, options: InspectOptions): string {
    return inspect(this.toJSON(), options)
  }
}

/** The record's value as UTF-8 text, or null (a tombstone). */
function valueText(record: RawRecord): string | null {
  const fetched = record instanceof BatchRecord ? record.fetched : undefined
  if (fetched) return fetched.valueText()
  return record.value === null ? null : record.value.toString('utf8')
}

/** A record that cannot be handed to a handler, and why. It is dead-lettered or stops the partition. */
export interface InvalidRecord {
  record: RawRecord
  reason: string
}

/**
 * A message as handlers get it. Its event and payload are decoded and validated before any
 * handler sees it; its key, timestamp and headers are decoded from the record when first read
 * (most handlers never read them, and building them cost more than the rest of the message,
 * as Karafka found for its own lazy metadata). They are accessors on the prototype: JSON,
 * `console.log` and `toJSON()` show every field, but `{ ...message }` copies only the own ones.
 */
export class DecodedMessage {
  readonly #record: RawRecord
  #key: string | null | undefined
  #timestamp: Date | undefined
  #headers: Record<string, string> | undefined

  constructor(
    public topic: string,
    public partition: number,
    public offset: string,
    public event: string | null,
    public payload: unknown,
    public tombstone: boolean,
    record: RawRecord,
  ) {
    this.#record = record
  }

  /** The record key as UTF-8 text, or null. */
  get key(): string | null {
    if (this.#key === undefined) this.#key = this.#record.key === null ? null : utf8(this.#record.key)
    return this.#key
  }
  set key(value: string | null) {
    this.#key = value
  }

  /** When the record was produced (or appended, for a topic with LogAppendTime). */
  get timestamp(): Date {
    this.#timestamp ??= new Date(Number(this.#record.timestamp))
    return this.#timestamp
  }
  set timestamp(value: Date) {
    this.#timestamp = value
  }

  /** Every header as text; a repeated header keeps its last value. */
  get headers(): Record<string, string> {
    this.#headers ??= headersToStrings(this.#record.headers)
    return this.#headers
  }
  set headers(value: Record<string, string>) {
    this.#headers = value
  }

  /** Every field as a plain object, as JSON.stringify shows it. */
  toJSON(): Message {
    const { topic, partition, offset, key, timestamp, headers, event, payload, tombstone } = this
    return { topic, partition, offset, key, timestamp, headers, event, payload, tombstone } as Message
  }

  [inspect.custom](_depth: number, options: InspectOptions): string {
    return inspect(this.toJSON(), options)
  }

  /** The record a message was decoded from, for checks that read its bytes (see `inconsistency`). */
  static recordOf(message: Message): RawRecord | undefined {
    return #record in message ? message.#record : undefined
  }
}

/**
 * Decodes a record into a typed message: a tombstone for a null value, otherwise the
 * envelope whose payload passes its event's schema. Returns the reason when it is invalid
 * (not JSON, not an envelope, an unknown event, a payload failing its schema).
 */
export function decodeRecord(topology: Topology, record: RawRecord): Message | InvalidRecord {
  return decodeTopicRecord(topology.topics[record.topic], record)
}

/** {@link decodeRecord} for records of a topic looked up once (the poller decodes a chunk of one topic). */
export function decodeTopicRecord(spec: TopologyTopic | undefined, record: RawRecord): Message | InvalidRecord {
  const { topic, partition, offset } = record
  const value = valueText(record)
  if (value === null) return new DecodedMessage(topic, partition, offset, null, null, true, record) as Message
  const envelope = parseEnvelope(value)
  if ('invalid' in envelope) return { record, reason: envelope.invalid }
  const event = spec?.events[envelope.event_name]
  if (!event) return { record, reason: `unknown event "${envelope.event_name}" for topic ${topic}` }
  let payload = envelope.payload
  // The compiled check says yes only to what zod would accept unchanged; zod decides the rest (and explains).
  if (event.check?.(payload) !== true) {
    const parsed = event.schema.safeParse(payload)
    if (!parsed.success) return { record, reason: `invalid ${envelope.event_name} payload: ${describeIssues(parsed.error)}` }
    payload = parsed.data
  }
  return new DecodedMessage(topic, partition, offset, envelope.event_name, payload, false, record) as Message
}

/**
 * Where a valid message disagrees with itself, or undefined: its `event_name` header names
 * another event than its envelope (the envelope is what counts), or its record key is not
 * `String(payload[key])`, the key the responders would give it, so it may sit in another
 * partition than that key's other events. Other producers that set no `event_name` header
 * are fine; a tombstone has no payload to compare with. A decoded message is compared by its
 * record's bytes, without decoding its key and headers.
 */
export function inconsistency(topology: Topology, message: Message): string | undefined {
  return topicInconsistency(topology.topics[message.topic]?.key, message)
}

/** {@link inconsistency} for messages of a topic whose key path was looked up once. */
export function topicInconsistency(path: string | undefined, message: Message): string | undefined {
  if (message.tombstone) return undefined
  const record = DecodedMessage.recordOf(message)
  const fetched = record instanceof BatchRecord ? record.fetched : undefined
  const rawHeader =
    fetched && !fetched.mayHaveHeaders ? undefined : record ? record.headers?.[EVENT_NAME_HEADER] : message.headers[EVENT_NAME_HEADER]
  const header = Array.isArray(rawHeader) ? rawHeader.at(-1) : rawHeader
  // A header without a value (kafkajs gives null) names no event.
  if (header != null && !sameText(header, message.event)) {
    return `its event_name header says "${header.toString()}" but its envelope says "${message.event}" (the envelope counts)`
  }
  if (path === undefined) return undefined
  let value: unknown = message.payload
  for (const segment of keySegments(path))
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[segment] : undefined
  if (fetched ? fetchedKeyMatches(fetched, value) : keyMatches(record ? record.key : message.key, value)) return undefined
  return `its key ${message.key === null ? 'is null' : `"${message.key}"`} is not its payload's ${path} ("${String(value)}"), so it may be in another partition than the other events of that key`
}

/** Whether a key is the one the responders give a payload whose key field is `value`: its text (String(value)), or null for null. */
function keyMatches(key: Buffer | string | null, value: unknown): boolean {
  return key === null ? value === null : sameText(key, fieldText(value))
}

/** {@link keyMatches} for a fetched record, its key compared where it lies in the fetched bytes. */
function fetchedKeyMatches(record: FetchedRecord, value: unknown): boolean {
  return record.keyEquals(fieldText(value)) || (value === null && record.keyEquals(null))
}

const fieldText = (value: unknown): string => (typeof value === 'string' ? value : String(value))

/** Whether a message has any of these headers, read from its record when it was decoded from one (its headers stay undecoded). */
export function hasAnyHeader(message: Message, names: readonly string[]): boolean {
  const headers = DecodedMessage.recordOf(message)?.headers ?? message.headers
  if (headers === undefined) return false
  for (const name of names) if (headers[name] !== undefined) return true
  return false
}

/** Whether `bytes` (or text) read as UTF-8 is `text`, comparing ASCII byte by byte without building a string. */
function sameText(bytes: Buffer | string, text: string): boolean {
  if (typeof bytes === 'string') return bytes === text
  if (bytes.length !== text.length) return bytes.length >= text.length && bytes.toString('utf8') === text
  for (let i = 0; i < bytes.length; i++) {
    const code = text.charCodeAt(i)
    if (code > 0x7f) return bytes.toString('utf8') === text
    if (bytes[i] !== code) return false
  }
  return true
}

/** UTF-8 text of a record key: short ASCII keys (most are) without the native call Buffer#toString makes. */
function utf8(bytes: Buffer): string {
  if (bytes.length > 32) return bytes.toString('utf8')
  let text = ''
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!
    if (byte > 0x7f) return bytes.toString('utf8')
    text += String.fromCharCode(byte)
  }
  return text
}

const segments = new Map<string, string[]>()

/** A key path's segments, split once per path (every message of a topic asks). */
function keySegments(path: string): string[] {
  let split = segments.get(path)
  if (!split) {
    split = path.split('.')
    segments.set(path, split)
  }
  return split
}

export function isInvalidRecord(value: Message | InvalidRecord): value is InvalidRecord {
  return !(value instanceof DecodedMessage) && 'reason' in value && 'record' in value
}

/** kafkajs headers (Buffers, strings or arrays of them) as plain strings; a repeated header keeps its last value, and one without a value (null) reads as ''. */
export function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {}
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined) continue
    const last = Array.isArray(value) ? value.at(-1) : value
    if (last !== undefined) result[name] = last === null ? '' : last.toString()
  }
  return result
}
