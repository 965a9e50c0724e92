import type { EachBatchPayload } from 'kafkajs'
import type { Monitor } from '../instrumentation/monitor.js'

/** The batch payload's commit: it commits through the group even while the consumer stops (consumer.commitOffsets then silently does nothing). */
export type CommitFn = EachBatchPayload['commitOffsetsIfNecessary']

interface Partition {
  inFlight: Promise<void> | undefined
  pending: { offset: string; epoch: number; commit: CommitFn } | undefined
}

const COMMIT_TRIES = 3

/**
 * Commits offsets of finished work without making the next batch wait for the broker: one
 * commit per partition is in flight at a time, and a newer offset replaces one still
 * waiting. Only offsets of work already done are ever given here, so commits never run
 * ahead of it. A commit requested before a rebalance (an older epoch) is dropped: the
 * partition may belong to another member by now.
 */
export class OffsetCommitter {
  private readonly partitions = new Map<string, Partition>()

  constructor(
    private readonly group: string,
    private readonly monitor: Monitor,
    private readonly epoch: () => number,
  ) {}

  /** Asks to commit `offset` (the next offset to read) for a partition. */
  request(topic: string, partition: number, offset: string, epoch: number, commit: CommitFn): void {
    const key = `${topic}/${partition}`
    const state = this.partitions.get(key) ?? { inFlight: undefined, pending: undefined }
    this.partitions.set(key, state)
    state.pending = { offset, epoch, commit }
    state.inFlight ??= this.drain(topic, partition, state)
  }

  /** Resolves once every requested commit of the partition is done (or dropped). */
  async flush(topic: string, partition: number): Promise<void> {
    const state = this.partitions.get(`${topic}/${partition}`)
    while (state?.inFlight) await state.inFlight
  }

  private async drain(topic: string, partition: number, state: Partition): Promise<void> {
    try {
      while (state.pending) {
        const { offset, epoch, commit } = state.pending
        state.pending = undefined
        for (let attempt = 1; attempt <= COMMIT_TRIES && epoch === this.epoch(); attempt++) {
          try {
            await commit({ topics: [{ topic, partitions: [{ partition, offset }] }] })
            this.monitor.emit('offsets.committed', { group: this.group, topic, partition, offset })
            break
          } catch (error) {
            this.monitor.emit('error.occurred', { type: 'consumer.commit.error', error: error as Error, group: this.group, topic, partition, offset })
          }
        }
      }
    } finally {
      state.inFlight = undefined
    }
  }
}
