import type { OutgoingRecord } from '../producer/sender.js'
import type { RawRecord } from './decode.js'

export interface DeadLetterInfo {
  group: string
  error: { name: string; message: string }
  attempts: number
}

/** The headers a dead-letter record adds to the original's (a republished record leaves them out again). */
export const DEAD_LETTER_HEADERS = [
  'source_topic',
  'source_partition',
  'source_offset',
  'source_consumer_group',
  'error_class',
  'error_message',
  'attempts',
] as const

/** The dead-letter copy of a record: its key, value and headers, plus where it came from and why it failed. */
export function deadLetterRecord(record: RawRecord, info: DeadLetterInfo): OutgoingRecord {
  const headers: Record<string, string | Buffer> = {}
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    // kafkajs's producer cannot write a header without a value (null), which other clients can: it goes as ''.
    if (value !== undefined) headers[name] = (Array.isArray(value) ? value.at(-1) : value) ?? ''
  }
  return {
    key: record.key,
    value: record.value,
    headers: {
      ...headers,
      source_topic: record.topic,
      source_partition: String(record.partition),
      source_offset: record.offset,
      source_consumer_group: info.group,
      error_class: info.error.name,
      error_message: info.error.message,
      attempts: String(info.attempts),
    },
  }
}
