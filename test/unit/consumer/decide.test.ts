import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type ChunkOutcome, type Decision, decide, decideInvalid, type FailurePolicy } from '../../../src/consumer/decide.js'

// The decision table, case by case: no broker, no timers, no handler. A chunk holds offsets
// 10, 11 and 12 unless a case says otherwise.
const policy: FailurePolicy = { retry: { attempts: 3, backoffMs: 100, maxBackoffMs: 1000 }, deadLetter: 'jobs.dlq' }
const noDeadLetter: FailurePolicy = { retry: policy.retry }
const oneAttempt: FailurePolicy = { ...policy, retry: { ...policy.retry, attempts: 1 } }
const failure = new Error('boom')
const outcome = (over: Partial<ChunkOutcome>): ChunkOutcome => ({
  offsets: ['10', '11', '12'],
  attempt: 1,
  consumed: undefined,
  error: undefined,
  ...over,
})
const retry = (
  offset: string,
  failures: number,
  backoffMs: number,
  commitAfter?: string,
  more: { counted?: boolean; exhausted?: boolean } = {},
): Decision => ({
  action: 'retry',
  commitAfter,
  offset,
  failures,
  backoffMs,
  counted: more.counted ?? true,
  exhausted: more.exhausted ?? false,
})
const deadLetter = (offset: string, index: number, failures: number, commitAfter?: string): Decision => ({
  action: 'dead-letter',
  commitAfter,
  offset,
  index,
  failures,
})

const CASES: [rule: string, outcome: ChunkOutcome, policy: FailurePolicy, next: Decision][] = [
  [
    'a chunk consumed whole commits past its last message and goes on',
    outcome({ consumed: '12' }),
    policy,
    { action: 'continue', commitAfter: '12' },
  ],
  [
    'returning without saying how far is the whole chunk (returning means consumed)',
    outcome({}),
    policy,
    { action: 'continue', commitAfter: '12' },
  ],
  [
    'a first failure at the first message retries it after backoffMs, committing nothing',
    outcome({ error: failure }),
    policy,
    retry('10', 1, 100),
  ],
  [
    'a failure after markAsConsumed commits what was marked and retries the message after it',
    outcome({ consumed: '11', error: failure }),
    policy,
    retry('12', 1, 100, '11'),
  ],
  [
    'the backoff doubles with each failure in a row of the same message',
    outcome({ attempt: 2, error: failure }),
    policy,
    retry('10', 2, 200),
  ],
  [
    'a retry that got further fails a new message for the first time: its count starts over',
    outcome({ attempt: 2, consumed: '10', error: failure }),
    policy,
    retry('11', 1, 100, '10'),
  ],
  [
    'at retry.attempts the failing message is dead-lettered (the chunk goes on after it)',
    outcome({ attempt: 3, error: failure }),
    policy,
    deadLetter('10', 0, 3),
  ],
  [
    'the attempts belong to the message: a later one that fails starts at 1',
    outcome({ offsets: ['11', '12'], attempt: 3, consumed: '11', error: failure }),
    policy,
    retry('12', 1, 100, '11'),
  ],
  [
    'without a dead-letter topic, spent attempts retry at maxBackoffMs: never a skip',
    outcome({ attempt: 3, error: failure }),
    noDeadLetter,
    retry('10', 3, 1000, undefined, { exhausted: true }),
  ],
  ['... and keep doing so', outcome({ attempt: 7, error: failure }), noDeadLetter, retry('10', 7, 1000, undefined, { exhausted: true })],
  [
    'a failure past the chunk (all consumed, then an error) is retried from there',
    outcome({ attempt: 3, consumed: '12', error: failure }),
    policy,
    retry('13', 1, 100, '12'),
  ],
  [
    'with one attempt, only a message in hand can be dead-lettered: past the chunk it is retried',
    outcome({ consumed: '12', error: failure }),
    oneAttempt,
    retry('13', 1, 1000, '12', { exhausted: true }),
  ],
  [
    'with one attempt, a message in the chunk is dead-lettered at its first failure',
    outcome({ consumed: '10', error: failure }),
    oneAttempt,
    deadLetter('11', 1, 1, '10'),
  ],
  [
    'a transient failure (throttled, network) is not counted and never dead-letters',
    outcome({ attempt: 3, error: failure, transient: true }),
    policy,
    retry('10', 3, 400, undefined, { counted: false }),
  ],
  [
    'offsets are 64-bit: the message after 2^63 - 2 is 2^63 - 1',
    outcome({ offsets: ['9223372036854775806', '9223372036854775807'], consumed: '9223372036854775806', error: failure }),
    policy,
    retry('9223372036854775807', 1, 100, '9223372036854775806'),
  ],
]

describe('the batch flow decision table', () => {
  for (const [rule, given, route, next] of CASES) {
    it(rule, () => assert.deepEqual(decide(given, route), next))
  }

  it('an invalid message is dead-lettered when a topic is set; otherwise the partition stops at it', () => {
    assert.deepEqual(decideInvalid(policy), { action: 'dead-letter' })
    assert.deepEqual(decideInvalid(noDeadLetter), { action: 'stop' })
  })
})
