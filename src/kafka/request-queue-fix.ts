// A static import, so that esbuild bundles it into Lambda functions with the rest of kafkajs.
import RequestQueue from 'kafkajs/src/network/requestQueue/index.js'

interface RequestQueueLike {
  pending: unknown[]
  throttledUntil: number
  throttleCheckTimeoutId: unknown
  scheduleCheckPendingRequests(): void
}

/**
 * kafkajs 2.2.4 (its last release) re-checks each connection's request queue after every
 * response with `setTimeout(check, throttledUntil - now)`. Unthrottled, that delay is
 * negative: Node runs it after 1 ms, the check schedules itself again, and every connection
 * spins on a 1 ms timer for as long as it lives, which Node 24 reports as a
 * TimeoutNegativeWarning each time it starts (tulios/kafkajs#1751, #1704). With nothing
 * pending and no throttle there is nothing to check, so no check is scheduled; a queued
 * request or a throttle schedules one as before.
 */
export function fixRequestQueue(): boolean {
  const proto = RequestQueue.prototype as RequestQueueLike & { [PATCHED]?: true }
  if (proto[PATCHED]) return false
  const original = proto.scheduleCheckPendingRequests
  proto.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueLike) {
    if (!this.throttleCheckTimeoutId && this.pending.length === 0 && this.throttledUntil <= Date.now()) return
    original.call(this)
  }
  proto[PATCHED] = true
  return true
}

const PATCHED = Symbol.for('karafka-ts.requestQueueFix')
