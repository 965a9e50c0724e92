import type { RouteSettings } from '../manifest/types.js'
import { backoffDelay } from '../retry/backoff.js'

/** What the route says about failures. */
export interface FailurePolicy {
  retry: RouteSettings['retry']
  deadLetter?: string | undefined
}

/** One run of a handler over a chunk of one partition, as the invoker reported it. */
export interface ChunkOutcome {
  /** The offsets of the chunk's messages, in order. */
  offsets: readonly string[]
  /** The attempt this run was: 1, unless its first offset failed before. */
  attempt: number
  /** After a failure, the last offset the handler consumed (up to its last `markAsConsumed`), if any. */
  consumed: string | undefined
  error: Error | undefined
  /** A failure that is not the handler's (throttling, network): it does not count as an attempt. */
  transient?: boolean
}

/** What the runner does next with a partition. `commitAfter` is the last offset done: the commit is the offset after it. */
export type Decision =
  /** Every message was consumed: commit, go on with the next chunk. */
  | { action: 'continue'; commitAfter: string }
  /** Pause the partition, seek to `offset` and resume after `backoffMs`. */
  | {
      action: 'retry'
      commitAfter: string | undefined
      offset: string
      failures: number
      backoffMs: number
      counted: boolean
      exhausted: boolean
    }
  /** The attempts are spent: send the message at `index` of the chunk to the dead-letter topic, then go on after it. */
  | { action: 'dead-letter'; commitAfter: string | undefined; offset: string; index: number; failures: number }

/**
 * The batch flow's rules, with no I/O: from a chunk's outcome, the attempts so far and the
 * route's retry and dead-letter settings, what happens next.
 *
 * - No error: everything was consumed; commit past the last message, continue.
 * - A failure commits what the handler consumed, then concerns the first message after it.
 *   It is that offset's `failures`-th failure in a row: the attempt number when the chunk began
 *   there, else its first. A transient failure is not counted.
 * - Below `retry.attempts` failures: retry from that message after `backoffMs` doubling to
 *   `maxBackoffMs` (exactly: the manifest's numbers, as Karafka's pauses).
 * - At `retry.attempts`: dead-letter it when a dead-letter topic is set and the message is in
 *   the chunk; otherwise keep retrying at `maxBackoffMs`, never skipping it.
 */
export function decide(outcome: ChunkOutcome, policy: FailurePolicy): Decision {
  const { offsets, attempt, consumed, error } = outcome
  // Returning means the whole chunk is consumed (the invokers make sure of it).
  if (!error) return { action: 'continue', commitAfter: offsets.at(-1)! }
  // The first message after the consumed one: the chunk may have gaps (messages handled before a retry).
  const offset = consumed === undefined ? offsets[0]! : (offsets.find((o) => BigInt(o) > BigInt(consumed)) ?? nextOffset(consumed))
  const backoff = { initialMs: policy.retry.backoffMs, maxMs: policy.retry.maxBackoffMs }
  if (outcome.transient) {
    return {
      action: 'retry',
      commitAfter: consumed,
      offset,
      failures: attempt,
      backoffMs: backoffDelay(backoff, attempt),
      counted: false,
      exhausted: false,
    }
  }
  const failures = offset === offsets[0] ? attempt : 1
  const index = offsets.indexOf(offset)
  if (failures >= policy.retry.attempts) {
    if (policy.deadLetter !== undefined && index >= 0) return { action: 'dead-letter', commitAfter: consumed, offset, index, failures }
    return {
      action: 'retry',
      commitAfter: consumed,
      offset,
      failures,
      backoffMs: policy.retry.maxBackoffMs,
      counted: true,
      exhausted: true,
    }
  }
  return {
    action: 'retry',
    commitAfter: consumed,
    offset,
    failures,
    backoffMs: backoffDelay(backoff, failures),
    counted: true,
    exhausted: false,
  }
}

/** A message that cannot be decoded (not JSON, unknown event, invalid payload) is never retried. */
export type InvalidDecision = { action: 'dead-letter' } | { action: 'stop' }

/** An invalid message goes to the dead-letter topic (attempts 0); without one the partition stops at it. */
export function decideInvalid(policy: FailurePolicy): InvalidDecision {
  return policy.deadLetter === undefined ? { action: 'stop' } : { action: 'dead-letter' }
}

/** The offset after `offset` (offsets are 64-bit, so strings). */
export function nextOffset(offset: string): string {
  return String(BigInt(offset) + 1n)
}
