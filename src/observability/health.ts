/** What a consumer group's poller says about itself, for /readyz. Times are Date.now() values. */
export interface GroupStatus {
  group: string
  /** In the group with partitions assigned (false while joining, restarting or stopped). */
  joined: boolean
  /** When its consumer last got an answer to a fetch (also an empty one). */
  lastFetchAt: number | undefined
  /** When the oldest handler call still running began. */
  oldestCallStartedAt: number | undefined
  /** The error that stopped its consumer for good, if one did. */
  crashed: Error | undefined
}

export interface ReadinessLimits {
  /** Not ready when a group has not fetched for this long while no handler runs. */
  stalledAfterMs: number
  /** Not ready when one handler call has run this long. */
  stuckAfterMs: number
}

export interface Readiness {
  ready: boolean
  groups: { group: string; ready: boolean; reason?: string }[]
}

/**
 * Whether every group is joined and polling: the answer of /readyz. A poller whose consumer
 * silently stopped fetching, or whose handler hangs, is not ready, so that an orchestrator
 * restarts it (as Karafka's liveness listener does). A handler that runs long, within the
 * limit, keeps its group ready: kafkajs does not fetch for a partition while its batch runs.
 */
export function readiness(groups: readonly GroupStatus[], now: number, limits: ReadinessLimits): Readiness {
  const results = groups.map((status) => {
    const reason = notReadyReason(status, now, limits)
    return reason === undefined ? { group: status.group, ready: true } : { group: status.group, ready: false, reason }
  })
  return { ready: results.length > 0 && results.every((g) => g.ready), groups: results }
}

function notReadyReason(status: GroupStatus, now: number, limits: ReadinessLimits): string | undefined {
  if (status.crashed) return `the consumer stopped: ${status.crashed.message}`
  if (!status.joined) return 'not in the group (joining, or restarting after a failure)'
  if (status.oldestCallStartedAt !== undefined) {
    const running = now - status.oldestCallStartedAt
    return running > limits.stuckAfterMs
      ? `a handler call has run for ${seconds(running)} (stuckAfterMs ${limits.stuckAfterMs})`
      : undefined
  }
  if (status.lastFetchAt === undefined) return 'no fetch from the broker yet'
  const idle = now - status.lastFetchAt
  return idle > limits.stalledAfterMs
    ? `no fetch from the broker for ${seconds(idle)} (stalledAfterMs ${limits.stalledAfterMs})`
    : undefined
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`
