import type { KafkaMessage } from 'kafkajs'
import type { Topology } from '../topology.js'
import { decodeRecord, type InvalidRecord, inconsistency, isInvalidRecord, type RawRecord } from './decode.js'
import type { Message } from './types.js'

/** Messages for one handler call, with the records they came from side by side. */
export interface Chunk {
  messages: Message[]
  records: RawRecord[]
  /** Where each message's record is in the batch. */
  positions: number[]
  /** The record that ended the chunk because it cannot be decoded, if one did. */
  invalid: InvalidRecord | undefined
  /** Index of the first record after the chunk (after `invalid` too). */
  next: number
  /** The last record passed over (see `skip`) after the chunk's last message: done already, so it may be committed with the chunk. */
  skippedAfter?: string
  /** Messages of the chunk that disagree with themselves (see `inconsistency`), handed over all the same. */
  inconsistent?: { offset: string; reason: string }[]
}

export interface ChunkOptions {
  maxSize: number
  /** Records already handled (by a virtual partition before a retry): left out, never handed over again. */
  skip?: (offset: string) => boolean
  /** The chunk ends before the first record past this offset. */
  until?: string
  /** A record that must begin a chunk of its own (it failed before, and its attempts are counted from there). */
  startsChunk?: (offset: string) => boolean
  /** What an inconsistent message is: reported and handed over (the default), or invalid (dead-lettered, never handed over). */
  inconsistent?: 'report' | 'dead-letter'
}

/**
 * The next chunk of a batch from `start`: up to `maxSize` decoded messages, ending early at
 * the first record that cannot be decoded (it is never handed to a handler) or that lies
 * past `until`, or before one that `startsChunk`; records to `skip` are passed over. An
 * inconsistent message is noted in `inconsistent`, or, with `inconsistent: dead-letter`, ends the chunk as invalid.
 */
export function nextChunk(topology: Topology, records: readonly RawRecord[], start: number, options: ChunkOptions): Chunk {
  const chunk: Chunk = { messages: [], records: [], positions: [], invalid: undefined, next: start }
  const until = options.until === undefined ? undefined : BigInt(options.until)
  let index = start
  while (index < records.length && chunk.messages.length < options.maxSize) {
    const record = records[index]!
    if (until !== undefined && BigInt(record.offset) > until) break
    if (options.skip?.(record.offset)) {
      chunk.skippedAfter = record.offset
      index++
      continue
    }
    if (chunk.messages.length > 0 && options.startsChunk?.(record.offset)) break
    const decoded = decodeRecord(topology, record)
    if (isInvalidRecord(decoded)) {
      chunk.invalid = decoded
      index++
      break
    }
    const reason = inconsistency(topology, decoded)
    if (reason !== undefined) {
      if (options.inconsistent === 'dead-letter') {
        chunk.invalid = { record, reason }
        index++
        break
      }
      chunk.inconsistent ??= []
      chunk.inconsistent.push({ offset: record.offset, reason })
    }
    delete chunk.skippedAfter
    chunk.messages.push(decoded)
    chunk.records.push(record)
    chunk.positions.push(index)
    index++
  }
  chunk.next = index
  return chunk
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
