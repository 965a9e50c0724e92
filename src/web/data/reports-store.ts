import type { ErrorRecord, ProcessReport } from '../report.js'

/** How a process looks from its last report: stale when it has not reported for 3 of its intervals and did not say it stopped. */
export type ProcessStatus = 'running' | 'stopping' | 'stopped' | 'stale'

export interface ProcessView {
  report: ProcessReport
  status: ProcessStatus
  /** Milliseconds since its last report. */
  age: number
}

/** The dashboard's charts: seconds since the epoch on x; null where nothing was reported. */
export interface Series {
  times: number[]
  throughput: (number | null)[]
  lag: { group: string; values: (number | null)[] }[]
}

/** The lag of each consumer group as the UI itself read it from the broker (end offsets minus committed). */
export interface LagSample {
  at: number
  groups: Record<string, number>
}

export const HISTORY_MS = 3_600_000
/** A lag sample stands for the buckets up to this long after it. */
const SAMPLE_SPAN_MS = 15_000
const STALE_INTERVALS = 3

/**
 * The processes as the reports topic tells them: the last report of each (the compacted
 * topic's view) and every report of the last hour (for the charts). Pure: records go in
 * through `add`, views come out for a given `now`.
 */
export class ReportsStore {
  private readonly latest = new Map<string, ProcessReport>()
  private history: ProcessReport[] = []
  /** Records that were not reports of this version (another schema, or not JSON). */
  unreadable = 0

  /** A record of the reports topic: a report, or a tombstone (null) that removes its key. */
  add(key: string, report: ProcessReport | undefined | null): void {
    if (report === null) {
      this.latest.delete(key)
      return
    }
    if (!report) {
      this.unreadable++
      return
    }
    const known = this.latest.get(key)
    if (!known || known.reportedAt <= report.reportedAt) this.latest.set(key, report)
    this.history.push(report)
  }

  get size(): number {
    return this.latest.size
  }

  /** Every process, running ones first (then stopping, stale, stopped), each group by host and pid. */
  processes(now: number): ProcessView[] {
    this.prune(now)
    const order: Record<ProcessStatus, number> = { running: 0, stopping: 1, stale: 2, stopped: 3 }
    return [...this.latest.values()]
      .map((report) => ({ report, status: statusOf(report, now), age: Math.max(0, now - report.reportedAt) }))
      .sort((a, b) => order[a.status] - order[b.status] || a.report.host.localeCompare(b.report.host) || a.report.pid - b.report.pid)
  }

  /**
   * Messages/s of all processes, and the lag of each consumer group, over the last hour (or
   * since the first report of it), in about 150 buckets. In each bucket every process counts
   * with its latest report not older than two of its intervals. The lag is the UI's own
   * reading (`samples`, from the broker) where it has one; before it started reading, each
   * partition's lag comes from the latest report that holds it (after a rebalance, its new
   * owner's).
   */
  series(now: number, samples: readonly LagSample[] = []): Series {
    this.prune(now)
    const first = this.history.reduce((min, r) => Math.min(min, r.reportedAt), now)
    const span = Math.max(60_000, now - Math.max(first, now - HISTORY_MS))
    const bucketMs = Math.max(1_000, Math.round(span / 150 / 1_000) * 1_000)
    const start = Math.floor((now - span) / bucketMs) * bucketMs
    const byProcess = new Map<string, ProcessReport[]>()
    for (const report of this.history) {
      const list = byProcess.get(report.id)
      if (list) list.push(report)
      else byProcess.set(report.id, [report])
    }
    for (const list of byProcess.values()) list.sort((a, b) => a.reportedAt - b.reportedAt)
    const groups = new Set<string>()
    for (const report of this.history) for (const group of report.groups) groups.add(group.group)
    for (const sample of samples) for (const group of Object.keys(sample.groups)) groups.add(group)
    let sampleAt = -1
    const series: Series = { times: [], throughput: [], lag: [...groups].sort().map((group) => ({ group, values: [] })) }
    const cursors = new Map<string, number>()
    for (let end = start + bucketMs; end <= now + bucketMs; end += bucketMs) {
      series.times.push(Math.round(end / 1000))
      let throughput: number | null = null
      const lag = new Map<string, { at: number; lag: number }>()
      for (const [id, list] of byProcess) {
        let at = cursors.get(id) ?? -1
        while (at + 1 < list.length && list[at + 1]!.reportedAt <= end) at++
        cursors.set(id, at)
        const report = list[at]
        if (!report || report.state === 'stopped' || end - report.reportedAt > 2 * report.intervalMs) continue
        throughput = (throughput ?? 0) + report.throughput
        for (const group of report.groups)
          for (const p of group.partitions) {
            if (p.lag === undefined) continue
            const key = `${group.group}\u0000${p.topic}\u0000${p.partition}`
            const seen = lag.get(key)
            if (!seen || seen.at < report.reportedAt) lag.set(key, { at: report.reportedAt, lag: p.lag })
          }
      }
      series.throughput.push(throughput)
      while (sampleAt + 1 < samples.length && samples[sampleAt + 1]!.at <= end) sampleAt++
      const sample = samples[sampleAt]
      if (sample && end - sample.at <= SAMPLE_SPAN_MS) {
        for (const entry of series.lag) entry.values.push(sample.groups[entry.group] ?? null)
        continue
      }
      for (const entry of series.lag) {
        let sum: number | null = null
        for (const [key, value] of lag) if (key.startsWith(`${entry.group}\u0000`)) sum = (sum ?? 0) + value.lag
        entry.values.push(sum)
      }
    }
    return series
  }

  private prune(now: number): void {
    if (this.history.length > 0 && this.history[0]!.reportedAt < now - HISTORY_MS)
      this.history = this.history.filter((r) => r.reportedAt >= now - HISTORY_MS)
  }
}

export function statusOf(report: ProcessReport, now: number): ProcessStatus {
  if (report.state === 'stopped') return 'stopped'
  if (now - report.reportedAt > STALE_INTERVALS * report.intervalMs) return 'stale'
  return report.state
}

/** The errors topic's recent records, newest first, at most `max` of them. */
export class ErrorsStore {
  private records: ErrorRecord[] = []
  unreadable = 0

  constructor(private readonly max = 1_000) {}

  add(record: ErrorRecord | undefined): void {
    if (!record) {
      this.unreadable++
      return
    }
    this.records.push(record)
    if (this.records.length > this.max * 1.5) this.records = this.records.slice(-this.max)
  }

  /** Newest first. */
  recent(limit = this.max): ErrorRecord[] {
    return this.records
      .slice(-this.max)
      .sort((a, b) => b.at - a.at)
      .slice(0, limit)
  }

  /** How many failed since `since` (of the records kept). */
  countSince(since: number): number {
    let count = 0
    for (const record of this.records) if (record.at >= since) count++
    return count
  }
}
