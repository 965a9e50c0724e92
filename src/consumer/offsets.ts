import type { EachBatchPayload } from 'kafkajs'
import type { Monitor } from '../instrumentation/monitor.js'
import { retry } from '../retry/backoff.js'

/** The batch payload's commit: it commits through the group even while the consumer stops (consumer.commitOffsets then silently does nothing). */
export type CommitFn = EachBatchPayload['commitOffsetsIfNecessary']

interface Request {
  offset: string
  /** Whether the partition is still ours (its scope's answer when the commit goes out). */
  owns(): boolean
  commit: CommitFn
}

interface Partition {
  inFlight: Promise<void> | undefined
  pending: Request | undefined
}

/** Three tries, 100 ms then 200 ms apart (with jitter): a commit that fails longer waits for the next batch's. */
const COMMIT_RETRY = { tries: 3, policy: { initialMs: 100, maxMs: 1_000, jitter: 0.2 } }

/**
 * Commits offsets of finished work without making the next batch wait for the broker: one
 * commit per partition is in flight at a time, and a newer offset replaces one still
 * waiting. Only offsets of work already done are ever given here, so commits never run
 * ahead of it. A commit whose partition is no longer ours (a rebalance began) is dropped,
 * and so are the retries of one a newer offset has replaced.
 */
export class OffsetCommitter {
  private readonly partitions = new Map<string, Partition>()

  constructor(
    private readonly group: string,
    private readonly monitor: Monitor,
  ) {}

  /** Asks to commit `offset` (the next offset to read) for a partition. */
  request(topic: string, partition: number, offset: string, owns: () => boolean, commit: CommitFn): void {
    const key = `${topic}/${partition}`
    const state = this.partitions.get(key) ?? { inFlight: undefined, pending: undefined }
    this.partitions.set(key, state)
    state.pending = { offset, owns, commit }
    if (!state.inFlight) this.start(topic, partition, state)
  }

  /** Drains the partition's requests. inFlight is cleared in a later microtask (never before it is set, even when nothing is awaited); a request made meanwhile starts another drain. */
  private start(topic: string, partition: number, state: Partition): void {
    state.inFlight = this.drain(topic, partition, state).finally(() => {
      state.inFlight = undefined
      if (state.pending) this.start(topic, partition, state)
    })
  }

  /** Resolves once every requested commit of the partition is done (or dropped). */
  async flush(topic: string, partition: number): Promise<void> {
    const state = this.partitions.get(`${topic}/${partition}`)
    while (state?.inFlight) await state.inFlight
  }

  private async drain(topic: string, partition: number, state: Partition): Promise<void> {
    const ref = { group: this.group, topic, partition }
    while (state.pending) {
      const { offset, owns, commit } = state.pending
      state.pending = undefined
      if (!owns()) continue
      try {
        await retry(() => commit({ topics: [{ topic, partitions: [{ partition, offset }] }] }), {
          ...COMMIT_RETRY,
          isRetriable: () => owns() && state.pending === undefined,
          onRetry: (error) => this.monitor.emit('error.occurred', { type: 'consumer.commit.error', error: error as Error, ...ref, offset }),
        })
        this.monitor.emit('offsets.committed', { ...ref, offset })
      } catch (error) {
        this.monitor.emit('error.occurred', { type: 'consumer.commit.error', error: error as Error, ...ref, offset })
      }
    }
  }
}
