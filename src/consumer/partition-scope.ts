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
  /** Aborts every handler call of the scope: they all run for the same partition. */
  private readonly abort = new AbortController()
  private closed = false
  /** The last offset of this batch marked as consumed (and asked to be committed). */
  doneUpTo: string | undefined
  private heartbeat: NodeJS.Timeout | undefined

  constructor(private readonly options: PartitionScopeOptions) {
    this.startEpoch = options.epoch()
  }

  /** True once the partition may belong to another member: nothing done from here on may be committed. */
  get lost(): boolean {
    return this.lostHeartbeat || this.options.epoch() !== this.startEpoch
  }

  /** True when no further chunk should start: the partition is lost, the consumer is stopping (or past its shutdown timeout), or kafkajs has a newer batch. */
  get finished(): boolean {
    return this.lost || this.options.shutdownSignal.aborted || !this.options.payload.isRunning() || this.options.payload.isStale()
  }

  /** For commits requested now and sent later: whether the partition is still ours when they go out. */
  readonly owns = (): boolean => !this.lost

  /**
   * Runs `fn` (a handler invocation) with a signal that aborts when the partition is lost or
   * the shutdown timeout runs out. From the first call until {@link close} (several calls at
   * once with virtual partitions, many one after another otherwise), the scope heartbeats
   * every heartbeatIntervalMs.
   */
  async run<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.heartbeat === undefined && !this.closed) this.begin()
    try {
      return await fn(this.abort.signal)
    } finally {
      if (this.lost) this.revoke()
    }
  }

  /** The group began to rebalance: a running handler's signal aborts now, not at the next heartbeat. */
  rebalancing(): void {
    if (this.lost) this.revoke()
  }

  /** The batch is over: no more heartbeats, and the shutdown no longer concerns it. */
  close(): void {
    this.closed = true
    if (this.heartbeat === undefined) return
    clearInterval(this.heartbeat)
    this.heartbeat = undefined
    this.options.shutdownSignal.removeEventListener('abort', this.onShutdown)
  }

  private readonly revoke = () => this.abort.abort(new KarafkaError('PARTITION_REVOKED', 'partition revoked in a rebalance'))
  private readonly onShutdown = () => this.abort.abort(this.options.shutdownSignal.reason)

  private begin(): void {
    const { shutdownSignal } = this.options
    shutdownSignal.addEventListener('abort', this.onShutdown)
    if (shutdownSignal.aborted) this.onShutdown()
    this.heartbeat = setInterval(() => {
      if (this.lost) return this.revoke()
      this.options.payload.heartbeat().catch((error: Error) => {
        this.lostHeartbeat = true
        this.revoke()
        this.options.onHeartbeatError(error)
      })
    }, this.options.heartbeatIntervalMs)
  }
}
