import type { RouteSettings } from '../manifest/types.js'

type RetrySettings = RouteSettings['retry']

/** The backoff before attempt `failed + 1`: backoffMs doubling per attempt, capped at maxBackoffMs. */
export function backoffFor(retry: RetrySettings, failed: number): number {
  return Math.min(retry.backoffMs * 2 ** Math.max(0, failed - 1), retry.maxBackoffMs)
}

/**
 * Attempts per partition: which offset is being retried and how many times it has failed.
 * A batch that starts at that offset runs as the next attempt; any other offset starts at 1.
 */
export class RetryTracker {
  private readonly state = new Map<string, { offset: string; failed: number }>()

  /** The attempt number of a batch starting at `offset` (1 on the first try). */
  attemptFor(key: string, offset: string): number {
    const entry = this.state.get(key)
    return entry && entry.offset === offset ? entry.failed + 1 : 1
  }

  /** Records that the message at `offset` failed on `attempt`; returns how many times it has failed in a row. */
  failed(key: string, offset: string, attempt: number, batchStart: string): number {
    const failed = offset === batchStart ? attempt : 1
    this.state.set(key, { offset, failed })
    return failed
  }

  clear(key: string): void {
    this.state.delete(key)
  }

  /** Forgets partitions that are no longer ours. */
  retain(keys: Set<string>): void {
    for (const key of this.state.keys()) if (!keys.has(key)) this.state.delete(key)
  }
}
