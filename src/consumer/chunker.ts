import type { KafkaMessage } from 'kafkajs'
import type { Topology } from '../topology.js'
import { BatchRecord, decodeTopicRecord, type InvalidRecord, isInvalidRecord, type RawRecord, topicInconsistency } from './decode.js'
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
export function nextChunk(topology: Topology, records: RecordList, start: number, options: ChunkOptions): Chunk {
  const chunk: Chunk = { messages: [], records: [], positions: [], invalid: undefined, next: start }
  const until = options.until === undefined ? undefined : BigInt(options.until)
  const { skip, startsChunk } = options
  // Every record of a batch is of one topic: looked up once for the chunk.
  const first = records.at(start)
  const spec = first && topology.topics[first.topic]
  let skippedAfter: string | undefined
  let index = start
  while (index < records.length && chunk.messages.length < options.maxSize) {
    const record = records.at(index)!
    if (until !== undefined && BigInt(record.offset) > until) break
    if (skip?.(record.offset)) {
      skippedAfter = record.offset
      index++
      continue
    }
    if (chunk.messages.length > 0 && startsChunk?.(record.offset)) break
    const decoded = decodeTopicRecord(spec, record)
    if (isInvalidRecord(decoded)) {
      chunk.invalid = decoded
      index++
      break
    }
    const reason = topicInconsistency(spec?.key, decoded)
    if (reason !== undefined) {
      if (options.inconsistent === 'dead-letter') {
        chunk.invalid = { record, reason }
        index++
        break
      }
      chunk.inconsistent ??= []
      chunk.inconsistent.push({ offset: record.offset, reason })
    }
    skippedAfter = undefined
    chunk.messages.push(decoded)
    chunk.records.push(record)
    chunk.positions.push(index)
    index++
  }
  chunk.next = index
  if (skippedAfter !== undefined) chunk.skippedAfter = skippedAfter
  return chunk
}

/** Records by index: an array of them, or a kafkajs batch's messages seen as records. */
export interface RecordList {
  readonly length: number
  at(index: number): RawRecord | undefined
}

/**
 * A kafkajs batch's messages as raw records, each made when asked for: the chunk being
 * handed over holds its records, and the thousands after it in a big batch are not copied
 * ahead of time only to wait (and be moved by the garbage collector) until their turn.
 */
export class BatchRecords implements RecordList {
  constructor(
    private readonly topic: string,
    private readonly partition: number,
    private readonly messages: readonly KafkaMessage[],
  ) {}

  get length(): number {
    return this.messages.length
  }

  at(index: number): RawRecord | undefined {
    const message = this.messages[index]
    return message && new BatchRecord(this.topic, this.partition, message)
  }
}
