import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type ChunkOutcome, decide, decideInvalid, type FailurePolicy } from '../../../src/consumer/decide.js'

// The decision table, case by case: no broker, no timers, no handler.
const policy: FailurePolicy = { retry: { attempts: 3, backoffMs: 100, maxBackoffMs: 1000 }, deadLetter: 'jobs.dlq' }
const noDeadLetter: FailurePolicy = { retry: policy.retry }
const offsets = ['10', '11', '12']
const failure = new Error('boom')
const outcome = (over: Partial<ChunkOutcome>): ChunkOutcome => ({ offsets, attempt: 1, consumed: undefined, error: undefined, ...over })

describe('the batch flow decision table', () => {
  it('a chunk consumed whole commits past its last message and goes on', () => {
    assert.deepEqual(decide(outcome({ consumed: '12' }), policy), { action: 'continue', commitAfter: '12' })
  })

  it('returning without saying how far counts as the whole chunk (a handler that returns consumed everything)', () => {
    assert.deepEqual(decide(outcome({}), policy), { action: 'continue', commitAfter: '12' })
  })

  it('with one attempt, a failure past the chunk is still retried: only a message in hand can be dead-lettered', () => {
    const once: FailurePolicy = { ...policy, retry: { ...policy.retry, attempts: 1 } }
    assert.deepEqual(decide(outcome({ consumed: '12', error: failure }), once), {
      action: 'retry',
      commitAfter: '12',
      offset: '13',
      failures: 1,
      backoffMs: 1000,
      counted: true,
      exhausted: true,
    })
    assert.deepEqual(decide(outcome({ consumed: '10', error: failure }), once), {
      action: 'dead-letter',
      commitAfter: '10',
      offset: '11',
      index: 1,
      failures: 1,
    })
  })

  it('a first failure at the first message retries it after backoffMs, committing nothing', () => {
    assert.deepEqual(decide(outcome({ error: failure }), policy), {
      action: 'retry',
      commitAfter: undefined,
      offset: '10',
      failures: 1,
      backoffMs: 100,
      counted: true,
      exhausted: false,
    })
  })

  it('a failure after markAsConsumed commits what was marked and retries from the message after it', () => {
    assert.deepEqual(decide(outcome({ consumed: '11', error: failure }), policy), {
      action: 'retry',
      commitAfter: '11',
      offset: '12',
      failures: 1,
      backoffMs: 100,
      counted: true,
      exhausted: false,
    })
  })

  it('the backoff doubles with each failure in a row of the same message', () => {
    assert.equal(decide(outcome({ attempt: 2, error: failure }), policy).action, 'retry')
    assert.deepEqual(decide(outcome({ attempt: 2, error: failure }), policy), {
      action: 'retry',
      commitAfter: undefined,
      offset: '10',
      failures: 2,
      backoffMs: 200,
      counted: true,
      exhausted: false,
    })
  })

  it('a retry that got further fails a new message for the first time: the count starts over', () => {
    const next = decide(outcome({ attempt: 2, consumed: '10', error: failure }), policy)
    assert.deepEqual(next, {
      action: 'retry',
      commitAfter: '10',
      offset: '11',
      failures: 1,
      backoffMs: 100,
      counted: true,
      exhausted: false,
    })
  })

  it('at retry.attempts the failing message goes to the dead-letter topic, then the chunk goes on after it', () => {
    assert.deepEqual(decide(outcome({ attempt: 3, error: failure }), policy), {
      action: 'dead-letter',
      commitAfter: undefined,
      offset: '10',
      index: 0,
      failures: 3,
    })
    assert.deepEqual(decide(outcome({ offsets: ['11', '12'], attempt: 3, consumed: '11', error: failure }), policy), {
      action: 'retry',
      commitAfter: '11',
      offset: '12',
      failures: 1,
      backoffMs: 100,
      counted: true,
      exhausted: false,
    })
  })

  it('the dead-letter index points at the failing message inside the chunk', () => {
    const next = decide(outcome({ offsets: ['12', '13', '14'], attempt: 3, error: failure }), policy)
    assert.deepEqual(next, { action: 'dead-letter', commitAfter: undefined, offset: '12', index: 0, failures: 3 })
  })

  it('without a dead-letter topic, spent attempts keep retrying at maxBackoffMs: never a skip', () => {
    assert.deepEqual(decide(outcome({ attempt: 3, error: failure }), noDeadLetter), {
      action: 'retry',
      commitAfter: undefined,
      offset: '10',
      failures: 3,
      backoffMs: 1000,
      counted: true,
      exhausted: true,
    })
    assert.deepEqual(decide(outcome({ attempt: 7, error: failure }), noDeadLetter), {
      action: 'retry',
      commitAfter: undefined,
      offset: '10',
      failures: 7,
      backoffMs: 1000,
      counted: true,
      exhausted: true,
    })
  })

  it('a failure past the chunk (everything consumed, then an error) cannot be dead-lettered here: retry from there', () => {
    assert.deepEqual(decide(outcome({ attempt: 3, consumed: '12', error: failure }), policy), {
      action: 'retry',
      commitAfter: '12',
      offset: '13',
      failures: 1,
      backoffMs: 100,
      counted: true,
      exhausted: false,
    })
  })

  it('a transient failure (throttled, network) is not counted and never dead-letters', () => {
    assert.deepEqual(decide(outcome({ attempt: 3, error: failure, transient: true }), policy), {
      action: 'retry',
      commitAfter: undefined,
      offset: '10',
      failures: 3,
      backoffMs: 400,
      counted: false,
      exhausted: false,
    })
  })

  it('offsets are 64-bit: the message after 2^63 - 2 is 2^63 - 1', () => {
    const next = decide(
      outcome({ offsets: ['9223372036854775806', '9223372036854775807'], consumed: '9223372036854775806', error: failure }),
      policy,
    )
    assert.equal(next.action === 'retry' && next.offset, '9223372036854775807')
  })

  it('an invalid message is dead-lettered when a topic is set; otherwise the partition stops at it', () => {
    assert.deepEqual(decideInvalid(policy), { action: 'dead-letter' })
    assert.deepEqual(decideInvalid(noDeadLetter), { action: 'stop' })
  })
})
