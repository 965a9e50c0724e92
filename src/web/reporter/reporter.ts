import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import os from 'node:os'
import { KarafkaError } from '../../errors/index.js'
import type { EventName, EventPayloads } from '../../instrumentation/events.js'
import type { Monitor } from '../../instrumentation/monitor.js'
import type { WebConfig } from '../../manifest/types.js'
import type { RecordSender } from '../../producer/sender.js'
import type { ErrorRecord } from '../report.js'
import { type ProcessIdentity, ProcessState } from './process-state.js'

/** The events a report is made of (DESIGN.md 6's catalogue; nothing else is needed). */
const EVENTS = [
  'app.running',
  'app.stopping',
  'rebalance.partitions_assigned',
  'rebalance.partitions_revoked',
  'consumer.consume',
  'consumer.consumed',
  'consumer.consuming.retry',
  'consumer.consuming.pause',
  'client.resume',
  'dead_letter_queue.dispatched',
  'lambda.invoked',
  'statistics.emitted',
  'error.occurred',
] as const satisfies readonly EventName[]

/** A change is reported this long after it, so that a burst of changes (a rebalance of many partitions) makes one report. */
const CHANGE_DELAY_MS = 500
/** Error records wait at most this long to go out together. */
const ERRORS_DELAY_MS = 1_000
/** Error records waiting beyond this many (a failure storm) are dropped, the oldest first; the report's error count stays exact. */
const MAX_QUEUED_ERRORS = 500
/** The last report on shutdown waits at most this long for the broker. */
const FINAL_REPORT_TIMEOUT_MS = 3_000

const VERSION = (createRequire(import.meta.url)('karafka-ts/package.json') as { version: string }).version

export interface ReporterOptions {
  monitor: Monitor
  /** Sends the records; its own producer, so that a missing topic never holds up dead letters or responders. */
  sender: RecordSender
  web: WebConfig
  app: string
  groups: readonly string[]
}

export interface Reporter {
  /** This process's id: the key of its reports. */
  id: string
  /** Sends the last report ("stopped") and what errors are queued; waits at most a few seconds. */
  stop(): Promise<void>
  /** Stops without a last report (the server never started). */
  discard(): void
}

/**
 * Reports what this `karafka server` process does to the web's reports topic: at once, every
 * web.reportIntervalMs, and within a second of each change; each handler failure goes to the
 * errors topic. It is a monitor listener: processing never waits for it, and a send that
 * fails is an error.occurred (`web.report.error`), then tried again with the next report.
 */
export function startReporter(options: ReporterOptions): Reporter {
  const { monitor, sender, web } = options
  const identity: ProcessIdentity = {
    id: `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    app: options.app,
    host: os.hostname(),
    pid: process.pid,
    version: VERSION,
    node: process.version,
    startedAt: Date.now(),
    intervalMs: web.reportIntervalMs,
  }
  const state = new ProcessState(identity, options.groups)
  let sending: Promise<void> | undefined
  let again = false
  let soon: NodeJS.Timeout | undefined
  let errorsTimer: NodeJS.Timeout | undefined
  let errors: ErrorRecord[] = []
  let stopped = false

  // Said once per topic until a send to it works again: a reports topic never created would otherwise fill the log.
  const failing = new Set<string>()
  const failed = (what: string, topic: string) => (error: unknown) => {
    if (failing.has(topic)) return
    failing.add(topic)
    monitor.emit('error.occurred', {
      type: 'web.report.error',
      error: new KarafkaError('PRODUCE_FAILED', `${what} to ${topic} failed: ${(error as Error).message}`, {
        cause: error,
        topic,
        retriable: true,
        hint: `create the topic with karafka topics migrate, or set web.reporting: false in karafka.yml; this is said again only after a send to it has worked`,
      }),
    })
  }
  const sent = (topic: string) => () => void failing.delete(topic)

  const send = (final = false): Promise<void> => {
    const report = state.snapshot(Date.now(), process.memoryUsage.rss(), final)
    return sender
      .send(web.reportsTopic, { key: identity.id, value: JSON.stringify(report) })
      .then(sent(web.reportsTopic), failed(final ? 'the last report' : 'a report', web.reportsTopic))
  }
  /** One report in flight at a time; a report asked for meanwhile goes out after it. */
  const report = () => {
    if (stopped) return
    if (sending) {
      again = true
      return
    }
    sending = send().finally(() => {
      sending = undefined
      if (again) {
        again = false
        report()
      }
    })
  }
  const reportChange = () => {
    soon = undefined
    report()
  }
  const flushErrors = (): Promise<void> => {
    errorsTimer = undefined
    const batch = errors
    errors = []
    return Promise.all(batch.map((record) => sender.send(web.errorsTopic, { key: record.process, value: JSON.stringify(record) }))).then(
      sent(web.errorsTopic),
      failed(`${batch.length} error record(s)`, web.errorsTopic),
    )
  }

  const unsubscribes = EVENTS.map((event) =>
    monitor.subscribe(event, (payload: EventPayloads[typeof event]) => {
      if (stopped) return
      const now = Date.now()
      if (event === 'error.occurred') {
        const record = state.errorRecord(payload as EventPayloads['error.occurred'], now)
        if (record) {
          errors.push(record)
          if (errors.length > MAX_QUEUED_ERRORS) errors.shift()
          errorsTimer ??= setTimeout(() => void flushErrors(), ERRORS_DELAY_MS).unref()
        }
      }
      if (state.apply(event, payload, now)) soon ??= setTimeout(reportChange, CHANGE_DELAY_MS).unref()
    }),
  )
  const interval = setInterval(report, web.reportIntervalMs).unref()
  report()

  const detach = () => {
    stopped = true
    for (const unsubscribe of unsubscribes) unsubscribe()
    clearInterval(interval)
    clearTimeout(soon)
    clearTimeout(errorsTimer)
  }
  return {
    id: identity.id,
    discard: detach,
    async stop() {
      if (stopped) return
      detach()
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, FINAL_REPORT_TIMEOUT_MS).unref()))
      await Promise.race([Promise.all([sending, flushErrors()]).then(() => send(true)), timeout])
      clearTimeout(timer)
    },
  }
}
