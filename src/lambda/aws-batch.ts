import { deadLetterRecord } from '../consumer/dead-letter.js'
import { decodeRecord, inconsistency, isInvalidRecord } from '../consumer/decode.js'
import type { Message } from '../consumer/types.js'
import type { RecordSender } from '../producer/sender.js'
import type { StagedRecord } from '../producer/staged.js'
import type { Topology } from '../topology.js'
import { type AwsKafkaEvent, type AwsKafkaRecord, fromAwsRecord, type KafkaBatchResponse } from './event.js'

/** Runs the handler on one partition's messages: the offset consumed up to, and the handler's error if it threw. */
export type RunBatch = (messages: Message[]) => Promise<{ consumed: string | undefined; error?: unknown; records?: StagedRecord[] }>

export interface AwsBatchOptions {
  topology: Topology
  runBatch: RunBatch
  /** Aborted a second before the function's deadline: partitions not begun by then are answered as failed. */
  signal: AbortSignal
  sender: RecordSender
  deadLetter: string | undefined
  /** The consumer group the dead letters name as their source. */
  group: string
}

/**
 * One invocation by AWS's Kafka event source mapping, answered as AWS's partial batch
 * response. Each partition runs in offset order; the handler sees the valid messages between
 * invalid ones, and an inconsistent one is logged and handed over. An invalid message goes to
 * the dead-letter topic (the record and headers the poller writes: InvalidMessage, 0 attempts)
 * and the partition goes on; without a dead-letter topic, or when the handler fails, the
 * partition stops there. Its answer names every record
 * from the first one not consumed to the end of the partition's batch, first things first, so
 * that nothing after a failure counts as done, whether AWS resumes from the lowest offset
 * named or retries exactly the records named. Other partitions go on.
 */
export async function consumeForAws(event: AwsKafkaEvent, options: AwsBatchOptions): Promise<KafkaBatchResponse> {
  const failures: KafkaBatchResponse['batchItemFailures'] = []
  for (const [batchKey, records] of Object.entries(event.records)) {
    const failedAt = options.signal.aborted ? 0 : await consumePartition(records, options)
    if (failedAt === undefined) continue
    for (const record of records.slice(failedAt)) failures.push({ itemIdentifier: { partition: batchKey, offset: Number(record.offset) } })
  }
  return { batchItemFailures: failures }
}

/** Runs one partition's records; returns the index of the first record not consumed, or undefined when all were. */
async function consumePartition(records: AwsKafkaRecord[], options: AwsBatchOptions): Promise<number | undefined> {
  const { topology, runBatch, sender, deadLetter, group } = options
  let pending: Message[] = []
  let pendingFrom = 0
  const runPending = async (): Promise<number | undefined> => {
    if (pending.length === 0) return undefined
    const batch = pending
    pending = []
    const { consumed, error } = await runBatch(batch)
    if (error === undefined) return undefined
    // The first message after the last one marked consumed (or the batch's first).
    const done = consumed === undefined ? -1 : batch.findIndex((m) => m.offset === consumed)
    const err = error as Error
    if (done === batch.length - 1) {
      // It marked every message it was given, then threw: nothing is left to retry, as the poller sees it too.
      console.error(
        `${batch[done]!.topic}/${batch[done]!.partition}: the handler failed after marking its whole batch consumed (${err?.name ?? 'Error'}: ${err?.message ?? String(error)}); going on`,
      )
      return undefined
    }
    const failedAt = pendingFrom + done + 1
    const failed = records[failedAt]!
    console.error(
      `${failed.topic}/${failed.partition} offset ${failed.offset}: the handler failed (${err?.name ?? 'Error'}: ${err?.message ?? String(error)}); answering batchItemFailures from there`,
    )
    return failedAt
  }
  for (const [index, record] of records.entries()) {
    const raw = fromAwsRecord(record)
    const decoded = decodeRecord(topology, raw)
    if (!isInvalidRecord(decoded)) {
      // inconsistent: report, the only choice on a route AWS polls; the function has no monitor, so its log says it.
      const reason = inconsistency(topology, decoded)
      if (reason !== undefined)
        console.warn(`${record.topic}/${record.partition} offset ${record.offset}: inconsistent message (${reason}); handed over`)
      if (pending.length === 0) pendingFrom = index
      pending.push(decoded)
      continue
    }
    const failed = await runPending()
    if (failed !== undefined) return failed
    const where = `${record.topic}/${record.partition} offset ${record.offset}`
    if (!deadLetter) {
      console.error(`${where}: invalid message (${decoded.reason}); no deadLetter topic is set, so the partition stops here`)
      return index
    }
    try {
      await sender.send(
        deadLetter,
        deadLetterRecord(raw, { group, error: { name: 'InvalidMessage', message: decoded.reason }, attempts: 0 }),
      )
    } catch (error) {
      console.error(`${where}: invalid message, and writing it to ${deadLetter} failed: ${(error as Error).message}`)
      return index
    }
    console.warn(`${where}: invalid message (${decoded.reason}), written to ${deadLetter}`)
  }
  return runPending()
}
