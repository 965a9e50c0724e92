/**
 * Attempts per partition: which offset is being retried and how many times in a row it has
 * failed. A chunk that starts at that offset runs as the next attempt; any other offset starts at 1.
 */
export class RetryTracker {
  private readonly state = new Map<string, { offset: string; failures: number }>()

  /** The attempt number of a chunk of partition `key` starting at `offset` (1 on the first try). */
  attemptFor(key: string, offset: string): number {
    const entry = this.state.get(key)
    return entry && entry.offset === offset ? entry.failures + 1 : 1
  }

  /** Records that the message at `offset` has failed `failures` times in a row. */
  failed(key: string, offset: string, failures: number): void {
    this.state.set(key, { offset, failures })
  }

  clear(key: string): void {
    this.state.delete(key)
  }

  /** Forgets partitions that are no longer ours. */
  retain(keys: Set<string>): void {
    for (const key of this.state.keys()) if (!keys.has(key)) this.state.delete(key)
  }
}
