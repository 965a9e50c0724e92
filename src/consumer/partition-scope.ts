import type { EachBatchPayload } from 'kafkajs'
import { KarafkaError } from '../errors/index.js'

export interface PartitionScopeOptions {
  /** The kafkajs batch this scope runs. */
  payload: Pick<EachBatchPayload, 'heartbeat' | 'isRunning' | 'isStale'>
  /** Changes whenever the group rebalances: work begun before a change may no longer be ours. */
  epoch(): number
  heartbeatIntervalMs: number
  /** Aborted when the shutdown timeout runs out: in-flight handlers must stop. */
  shutdownSignal: AbortSignal
  onHeartbeatError(error: Error): void
}

/**
 * One kafkajs batch of one partition while it runs: the one place that knows whether the
 * partition is still ours. A rebalance (the group's epoch moved) or a failed heartbeat loses
 * it; from then on nothing of this batch may be committed, and a running handler's signal is
 * aborted. While a handler runs, the scope heartbeats for it.
 */
export class PartitionScope {
  private readonly startEpoch: number
  private lostHeartbeat = false

  constructor(private readonly options: PartitionScopeOptions) {
    this.startEpoch = options.epoch()
  }

  /** True once the partition may belong to another member: nothing done from here on may be committed. */
  get lost(): boolean {
    return this.lostHeartbeat || this.options.epoch() !== this.startEpoch
  }

  /** True when no further chunk should start: the partition is lost, the consumer is stopping, or kafkajs has a newer batch. */
  get finished(): boolean {
    return this.lost || !this.options.payload.isRunning() || this.options.payload.isStale()
  }

  /** For commits requested now and sent later: whether the partition is still ours when they go out. */
  readonly owns = (): boolean => !this.lost

  /**
   * Runs `fn` (a handler invocation) with a signal that aborts when the partition is lost or
   * the shutdown timeout runs out, heartbeating every heartbeatIntervalMs meanwhile.
   */
  async run<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const abort = new AbortController()
    const revoked = () => abort.abort(new KarafkaError('PARTITION_REVOKED', 'partition revoked in a rebalance'))
    const onShutdown = () => abort.abort(this.options.shutdownSignal.reason)
    this.options.shutdownSignal.addEventListener('abort', onShutdown)
    const heartbeat = setInterval(() => {
      if (this.lost) return revoked()
      this.options.payload.heartbeat().catch((error: Error) => {
        this.lostHeartbeat = true
        revoked()
        this.options.onHeartbeatError(error)
      })
    }, this.options.heartbeatIntervalMs)
    try {
      return await fn(abort.signal)
    } finally {
      clearInterval(heartbeat)
      this.options.shutdownSignal.removeEventListener('abort', onShutdown)
      if (this.lost) revoked()
    }
  }
}
