import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type GroupStatus, readiness } from '../../../src/observability/health.js'

const limits = { stalledAfterMs: 30_000, stuckAfterMs: 300_000 }
const now = 1_000_000_000
const healthy: GroupStatus = { group: 'g', joined: true, lastFetchAt: now - 100, oldestCallStartedAt: undefined, crashed: undefined }

describe('readiness (/readyz)', () => {
  const cases: [string, Partial<GroupStatus>, boolean, RegExp?][] = [
    ['joined and fetching', {}, true],
    ['crashed', { crashed: new Error('coordinator gone') }, false, /consumer stopped: coordinator gone/],
    ['not joined (joining or restarting)', { joined: false }, false, /not in the group/],
    ['no fetch yet', { lastFetchAt: undefined }, false, /no fetch from the broker yet/],
    ['no fetch for longer than stalledAfterMs', { lastFetchAt: now - 30_001 }, false, /no fetch from the broker for 30\.0 s/],
    ['no fetch for exactly stalledAfterMs', { lastFetchAt: now - 30_000 }, true],
    [
      'a long handler within stuckAfterMs keeps it ready without fetches',
      { lastFetchAt: now - 60_000, oldestCallStartedAt: now - 299_000 },
      true,
    ],
    ['a handler call past stuckAfterMs', { oldestCallStartedAt: now - 300_001 }, false, /a handler call has run for 300\.0 s/],
  ]
  for (const [name, change, ready, reason] of cases) {
    it(name, () => {
      const result = readiness([{ ...healthy, ...change }], now, limits)
      assert.equal(result.ready, ready)
      assert.equal(result.groups[0]!.ready, ready)
      if (reason) assert.match(result.groups[0]!.reason!, reason)
      else assert.equal(result.groups[0]!.reason, undefined)
    })
  }

  it('is ready only when every group is, and not with no group at all', () => {
    assert.equal(readiness([healthy, { ...healthy, group: 'h', joined: false }], now, limits).ready, false)
    assert.equal(readiness([healthy, { ...healthy, group: 'h' }], now, limits).ready, true)
    assert.equal(readiness([], now, limits).ready, false)
  })
})
