import assert from 'node:assert/strict'
import { it } from 'node:test'
import { backoffFor, RetryTracker } from '../../../src/consumer/retries.js'

it('backoff doubles from backoffMs up to maxBackoffMs', () => {
  const retry = { attempts: 5, backoffMs: 1000, maxBackoffMs: 30_000 }
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((n) => backoffFor(retry, n)), [1000, 2000, 4000, 8000, 16000, 30000, 30000])
})

it('attempts count per offset and restart when the batch made progress', () => {
  const tracker = new RetryTracker()
  assert.equal(tracker.attemptFor('t/0', '10'), 1)
  assert.equal(tracker.failed('t/0', '10', 1, '10'), 1)
  assert.equal(tracker.attemptFor('t/0', '10'), 2)
  assert.equal(tracker.failed('t/0', '10', 2, '10'), 2)
  assert.equal(tracker.attemptFor('t/0', '10'), 3)
  // A retry that got past 10 (marked) and failed at 12: a first failure of 12.
  assert.equal(tracker.failed('t/0', '12', 3, '10'), 1)
  assert.equal(tracker.attemptFor('t/0', '10'), 1)
  assert.equal(tracker.attemptFor('t/0', '12'), 2)
  tracker.retain(new Set(['t/1']))
  assert.equal(tracker.attemptFor('t/0', '12'), 1, 'a revoked partition starts over')
})
