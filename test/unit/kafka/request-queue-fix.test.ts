import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { describe, it } from 'node:test'
import { fixRequestQueue } from '../../../src/kafka/request-queue-fix.js'

// The class kafkajs's own connections use: the same module file, so the same prototype.
const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as new (
  options: object,
) => {
  pending: unknown[]
  throttledUntil: number
  throttleCheckTimeoutId: NodeJS.Timeout | null
  scheduleCheckPendingRequests(): void
}
const quietLogger = { debug() {}, info() {}, warn() {}, error() {} }
const queue = () =>
  new RequestQueue({ maxInFlightRequests: null, requestTimeout: 30_000, clientId: 'test', broker: 'b:1', logger: quietLogger })

describe("kafkajs's request queue", () => {
  fixRequestQueue()

  it('schedules no check when nothing is pending and nothing is throttled (no negative timeout, no 1 ms loop)', () => {
    const q = queue()
    q.scheduleCheckPendingRequests()
    assert.equal(q.throttleCheckTimeoutId, null)
  })

  it('still schedules a check for a pending request', () => {
    const q = queue()
    q.pending.push({})
    q.scheduleCheckPendingRequests()
    assert.notEqual(q.throttleCheckTimeoutId, null)
    clearTimeout(q.throttleCheckTimeoutId!)
  })

  it('still schedules a check for the end of a throttle', () => {
    const q = queue()
    q.throttledUntil = Date.now() + 5_000
    q.scheduleCheckPendingRequests()
    assert.notEqual(q.throttleCheckTimeoutId, null)
    clearTimeout(q.throttleCheckTimeoutId!)
  })

  it('is applied once', () => {
    assert.equal(fixRequestQueue(), false)
  })
})
