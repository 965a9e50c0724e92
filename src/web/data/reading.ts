import { clusterErrorText } from './cluster-problem.js'

/** A value read from the cluster, with when it was read and why the last read failed, if it did. */
export interface Reading<T> {
  value: T | undefined
  at: number | undefined
  error: string | undefined
}

/**
 * Reads something from the cluster for pages without piling reads up: one read at a time, a
 * reading younger than `reuseMs` is served again, and a page waits for a new one at most
 * `waitMs`, getting the last reading otherwise (with the error when the read failed). A
 * broker that does not answer slows no page past `waitMs`.
 */
export class CachedReading<T> {
  private last: { at: number; value: T } | undefined
  private error: string | undefined
  private reading: Promise<void> | undefined

  constructor(
    private readonly read: () => Promise<T>,
    private readonly reuseMs: number,
    private readonly waitMs = 2_000,
  ) {}

  async get(): Promise<Reading<T>> {
    if (!this.last || Date.now() - this.last.at > this.reuseMs) {
      this.reading ??= this.read()
        .then(
          (value) => {
            this.last = { at: Date.now(), value }
            this.error = undefined
          },
          (error: unknown) => {
            this.error = clusterErrorText(error)
          },
        )
        .finally(() => {
          this.reading = undefined
        })
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.waitMs).unref()))
      await Promise.race([this.reading, late])
      clearTimeout(timer)
    }
    return { value: this.last?.value, at: this.last?.at, error: this.error }
  }
}

/** Rejects with `what` when `promise` has not settled within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: the cluster did not answer within ${ms / 1000} s`)), ms).unref()
  })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}
