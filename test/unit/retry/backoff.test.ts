import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { backoffDelay, retry, sleep } from '../../../src/retry/backoff.js'

describe('backoff', () => {
  it('doubles from initialMs up to maxMs', () => {
    const policy = { initialMs: 1000, maxMs: 30_000 }
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(policy, n)),
      [1000, 2000, 4000, 8000, 16000, 30000, 30000],
    )
  })

  it('jitter takes up to that share off each delay, never adds to it', () => {
    const policy = { initialMs: 1000, maxMs: 30_000, jitter: 0.2 }
    assert.equal(
      backoffDelay(policy, 1, () => 0),
      1000,
    )
    assert.equal(
      backoffDelay(policy, 1, () => 0.5),
      900,
    )
    assert.equal(
      backoffDelay(policy, 1, () => 1),
      800,
    )
    assert.equal(
      backoffDelay(policy, 9, () => 1),
      24_000,
      'capped, then jittered',
    )
  })

  it('a sleep ends at once, with the reason, when its signal aborts', async () => {
    const abort = new AbortController()
    const began = performance.now()
    const slept = sleep(60_000, abort.signal)
    abort.abort(new Error('stopping'))
    await assert.rejects(slept, /stopping/)
    assert.ok(performance.now() - began < 1000)
  })

  it('retries until it succeeds, waiting between tries', async () => {
    const waits: number[] = []
    let calls = 0
    const result = await retry(
      async (n) => {
        calls++
        if (n < 3) throw new Error(`try ${n}`)
        return 'done'
      },
      { policy: { initialMs: 5, maxMs: 100 }, onRetry: (_error, _failures, wait) => waits.push(wait) },
    )
    assert.equal(result, 'done')
    assert.equal(calls, 3)
    assert.deepEqual(waits, [5, 10])
  })

  it('stops at the last try, at a failure that is not retriable, and when aborted', async () => {
    let calls = 0
    const failing = async () => {
      calls++
      throw new Error(`failure ${calls}`)
    }
    await assert.rejects(retry(failing, { policy: { initialMs: 1, maxMs: 1 }, tries: 3 }), /failure 3/)
    calls = 0
    await assert.rejects(retry(failing, { policy: { initialMs: 1, maxMs: 1 }, isRetriable: () => false }), /failure 1/)
    const abort = new AbortController()
    const retried = retry(failing, { policy: { initialMs: 60_000, maxMs: 60_000 }, signal: abort.signal })
    abort.abort(new Error('poller stopped'))
    await assert.rejects(retried, /poller stopped/)
  })
})
