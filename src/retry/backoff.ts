import { setTimeout as delay } from 'node:timers/promises'

/** How long to wait between tries: `initialMs` growing by `factor` per failure, capped at `maxMs`. */
export interface BackoffPolicy {
  initialMs: number
  maxMs: number
  /** Growth per failure (default 2). */
  factor?: number
  /**
   * How much of each delay is random, from 0 (none: the delay is exact) to 1: a delay of d
   * waits between d * (1 - jitter) and d. Processes retrying the same broker then spread out
   * instead of arriving together.
   */
  jitter?: number
}

/** The wait after the `failures`-th failure in a row (1 for the first): capped exponential, with jitter. */
export function backoffDelay(policy: BackoffPolicy, failures: number, random: () => number = Math.random): number {
  const base = Math.min(policy.initialMs * (policy.factor ?? 2) ** Math.max(0, failures - 1), policy.maxMs)
  const jitter = Math.min(Math.max(policy.jitter ?? 0, 0), 1)
  return Math.round(base * (1 - jitter * random()))
}

/**
 * Resolves after `ms`, or rejects with the signal's reason as soon as it is aborted. Like any
 * timer, it keeps the process alive while it waits: a poller waiting to rejoin must not exit.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal ? { signal } : {}).catch((error: unknown) => {
    throw signal?.aborted ? signal.reason : error
  })
}

export interface RetryOptions {
  policy: BackoffPolicy
  /** Tries in all, the first included (default: no limit). */
  tries?: number
  /** Whether a failure is worth another try (default: every failure is). */
  isRetriable?(error: unknown): boolean
  /** Stops the retries: the wait in progress ends at once with the signal's reason. */
  signal?: AbortSignal
  /** Called after each failure that will be tried again, with the wait before the next try. */
  onRetry?(error: unknown, failures: number, delayMs: number): void
}

/**
 * Calls `fn` until it succeeds, waiting by `policy` between tries. Rethrows the last error
 * when the tries run out or the error is not retriable, and the signal's reason when aborted.
 */
export async function retry<T>(fn: (tryNumber: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const tries = options.tries ?? Number.POSITIVE_INFINITY
  for (let failures = 0; ; ) {
    options.signal?.throwIfAborted()
    try {
      return await fn(failures + 1)
    } catch (error) {
      failures++
      options.signal?.throwIfAborted()
      if (failures >= tries || !(options.isRetriable?.(error) ?? true)) throw error
      const wait = backoffDelay(options.policy, failures)
      options.onRetry?.(error, failures, wait)
      await sleep(wait, options.signal)
    }
  }
}
