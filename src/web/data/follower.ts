import type { Admin } from 'kafkajs'
import type { PartitionReader, ReadRecord } from '../../kafka/reader.js'
import { sleep } from '../../retry/backoff.js'
import { securityProblem } from '../../retry/kafka-errors.js'
import { clusterErrorText } from './cluster-problem.js'

/** Where following a topic stands, for the pages' banners. */
export interface FollowState {
  /** The topic exists and was read to where it ended when following began. */
  caughtUp: boolean
  /** The topic does not exist (yet). */
  missing: boolean
  /** Why the last read failed, while it fails. */
  error: string | undefined
  records: number
}

export interface FollowOptions {
  topic: string
  /** Where to begin in each partition, from its first and end offsets: all of a compacted topic, the tail of another. */
  startAt(low: bigint, high: bigint): bigint
  onRecord(record: ReadRecord): void
}

const LOOK_AGAIN_MS = 3_000

/**
 * Follows topics in the background with one long-polling fetch for all of them, from where
 * each `startAt` says, handing every record to its `onRecord`. A topic that does not exist is
 * looked for again every few seconds; a failed read is tried again after a backoff, from where
 * it stopped.
 */
export class TopicFollower {
  readonly states = new Map<string, FollowState>()
  /** The TLS or SASL refusal that the last read met, until the cluster answers again (what went wrong, and the setting to fix). */
  refusal: { what: string; hint: string } | undefined
  private readonly stopping = new AbortController()
  private running: Promise<void> | undefined

  constructor(
    private readonly reader: PartitionReader,
    private readonly admin: () => Promise<Admin>,
    private readonly topics: FollowOptions[],
  ) {
    for (const t of topics) this.states.set(t.topic, { caughtUp: false, missing: false, error: undefined, records: 0 })
  }

  start(): void {
    this.running ??= this.loop().catch(() => {})
  }

  async stop(): Promise<void> {
    this.stopping.abort()
    await this.running
  }

  private async loop(): Promise<void> {
    const signal = this.stopping.signal
    const offsets = new Map<string, { topic: string; partition: number; offset: bigint; caughtUpAt: bigint }>()
    const lookedAt = new Map<string, number>()
    let failures = 0
    while (!signal.aborted) {
      try {
        for (const options of this.topics) {
          if ([...offsets.values()].some((o) => o.topic === options.topic)) continue
          // A topic that did not exist is looked for again every few seconds.
          if (Date.now() - (lookedAt.get(options.topic) ?? 0) < LOOK_AGAIN_MS) continue
          lookedAt.set(options.topic, Date.now())
          const state = this.states.get(options.topic)!
          const admin = await this.admin()
          const exists = (await admin.listTopics()).includes(options.topic)
          state.missing = !exists
          this.answered()
          if (!exists) continue
          for (const p of await admin.fetchTopicOffsets(options.topic)) {
            const [low, high] = [BigInt(p.low), BigInt(p.high)]
            offsets.set(`${options.topic}/${p.partition}`, {
              topic: options.topic,
              partition: p.partition,
              offset: options.startAt(low, high),
              caughtUpAt: high,
            })
          }
        }
        this.markCaughtUp(offsets)
        if (offsets.size === 0) {
          await sleep(LOOK_AGAIN_MS, signal)
          continue
        }
        const results = await this.reader.fetch(
          [...offsets.values()].map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })),
          1_000,
        )
        for (const result of results) {
          const entry = offsets.get(`${result.topic}/${result.partition}`)!
          const options = this.topics.find((t) => t.topic === result.topic)!
          const state = this.states.get(result.topic)!
          for (const record of result.records) {
            options.onRecord(record)
            state.records++
          }
          // On past what the fetch covered: aborted and control records give no record but move on too.
          if (BigInt(result.next) > entry.offset) entry.offset = BigInt(result.next)
        }
        this.answered()
        this.markCaughtUp(offsets)
        failures = 0
      } catch (error) {
        if (signal.aborted) return
        for (const state of this.states.values()) state.error = clusterErrorText(error)
        this.refusal = securityProblem(error)
        // An offset out of range (the log was cleaned meanwhile): start again where startAt says.
        if ((error as { type?: string }).type === 'OFFSET_OUT_OF_RANGE') {
          offsets.clear()
          lookedAt.clear()
        }
        failures++
        await sleep(Math.min(10_000, 500 * 2 ** failures), signal).catch(() => {})
      }
    }
  }

  /** The cluster answered (a listing that finds a topic missing counts too): the failures before are over. */
  private answered(): void {
    for (const state of this.states.values()) state.error = undefined
    this.refusal = undefined
  }

  private markCaughtUp(offsets: Map<string, { topic: string; offset: bigint; caughtUpAt: bigint }>): void {
    for (const [topic, state] of this.states) {
      if (state.caughtUp || state.missing) continue
      const mine = [...offsets.values()].filter((o) => o.topic === topic)
      if (mine.length > 0 && mine.every((o) => o.offset >= o.caughtUpAt)) state.caughtUp = true
    }
  }
}
