import assert from 'node:assert/strict'
import { it } from 'node:test'
import { RetryTracker } from '../../../src/consumer/retries.js'

it('attempts count per offset and start over at another offset or a revoked partition', () => {
  const tracker = new RetryTracker()
  assert.equal(tracker.attemptFor('t/0', '10'), 1)
  tracker.failed('t/0', '10', 1)
  assert.equal(tracker.attemptFor('t/0', '10'), 2)
  tracker.failed('t/0', '10', 2)
  assert.equal(tracker.attemptFor('t/0', '10'), 3)
  assert.equal(tracker.attemptFor('t/0', '11'), 1, 'a chunk starting elsewhere is a first attempt')
  tracker.failed('t/0', '12', 1)
  assert.equal(tracker.attemptFor('t/0', '10'), 1)
  assert.equal(tracker.attemptFor('t/0', '12'), 2)
  tracker.clear('t/0')
  assert.equal(tracker.attemptFor('t/0', '12'), 1, 'cleared after a success')
  tracker.failed('t/0', '12', 4)
  tracker.retain(new Set(['t/1']))
  assert.equal(tracker.attemptFor('t/0', '12'), 1, 'a revoked partition starts over')
})
