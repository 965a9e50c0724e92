import type { KafkaMessage } from 'kafkajs'
import type { Topology } from '../topology.js'
import { decodeRecord, type InvalidRecord, isInvalidRecord, type RawRecord } from './decode.js'
import type { Message } from './types.js'

/** Messages for one handler call, with the records they came from side by side. */
export interface Chunk {
  /** Index of the chunk's first record in the batch. */
  start: number
  messages: Message[]
  records: RawRecord[]
  /** The record that ended the chunk because it cannot be decoded, if one did. */
  invalid: InvalidRecord | undefined
  /** Index of the first record after the chunk (after `invalid` too). */
  next: number
}

/**
 * The next chunk of a batch from `start`: up to `maxSize` decoded messages, ending early at
 * the first record that cannot be decoded (it is never handed to a handler).
 */
export function nextChunk(topology: Topology, records: readonly RawRecord[], start: number, maxSize: number): Chunk {
  const messages: Message[] = []
  let index = start
  let invalid: InvalidRecord | undefined
  while (index < records.length && messages.length < maxSize) {
    const decoded = decodeRecord(topology, records[index]!)
    if (isInvalidRecord(decoded)) {
      invalid = decoded
      break
    }
    messages.push(decoded)
    index++
  }
  return { start, messages, records: records.slice(start, index), invalid, next: invalid ? index + 1 : index }
}

/** A kafkajs message as the runtime's raw record. */
export function toRawRecord(topic: string, partition: number, message: KafkaMessage): RawRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ?? null,
    value: message.value ?? null,
    timestamp: message.timestamp,
    headers: message.headers ?? {},
  }
}
