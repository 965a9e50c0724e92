import { redact } from '../manifest/redact.js'
import type { EventName, EventPayloads } from './events.js'
import { LOG_LEVELS, type LogLevel } from './logger.js'
import type { Monitor } from './monitor.js'

export interface LoggerOptions {
  format: 'text' | 'json'
  level: LogLevel
  /** Values never to print (SASL password, secret variables). */
  secrets?: readonly string[]
  write?: (line: string) => void
}

type Line = { level: Exclude<LogLevel, 'silent'>; text: string; fields?: Record<string, unknown> }

const where = (p: { group: string; topic: string; partition: number }) => `[${p.group}] ${p.topic}/${p.partition}`

/** One line per event, in the seed's style; events not listed here are not logged. */
const FORMATS: { [E in EventName]?: (p: EventPayloads[E]) => Line } = {
  'app.running': (p) => ({
    level: 'info',
    text: `Running karafka-ts server (${p.backend}) for consumer groups: ${p.groups.join(', ')}${p.metricsUrl ? `; metrics at ${p.metricsUrl}/metrics, health at /healthz and /readyz` : ''}`,
  }),
  'app.stopping': (p) => ({
    level: 'info',
    text: `Stopping${p.signal ? ` (${p.signal})` : ''}: finishing in-flight batches${p.signal?.startsWith('SIG') ? '; a second signal exits at once' : ''}`,
  }),
  'app.stopped': (p) => ({ level: 'info', text: `Stopped in ${p.durationMs} ms` }),
  'consumer.consume': (p) => ({
    level: 'debug',
    text: `${where(p)}: consuming ${p.messages} messages (offsets ${p.firstOffset}-${p.lastOffset}, attempt ${p.attempt})`,
  }),
  'consumer.consumed': (p) => ({
    level: 'info',
    text: `${where(p)}: ${p.messages} message${p.messages === 1 ? '' : 's'} consumed in ${p.durationMs} ms`,
  }),
  'consumer.consuming.retry': (p) => ({
    level: 'warn',
    text: `${where(p)}: attempt ${p.attempt} failed at offset ${p.offset} (${p.error.name}: ${p.error.message}); retrying in ${p.backoffMs} ms${p.exhausted ? ' (attempts exhausted and no dead-letter topic: retrying until it succeeds)' : ''}`,
  }),
  'consumer.consuming.pause': (p) => ({ level: 'error', text: `${where(p)}: stopped at offset ${p.offset}: ${p.reason}` }),
  'consumer.message.inconsistent': (p) => ({ level: 'warn', text: `${where(p)}: offset ${p.offset} is inconsistent: ${p.reason}` }),
  'client.pause': (p) => ({ level: 'debug', text: `${where(p)}: paused` }),
  'client.resume': (p) => ({ level: 'debug', text: `${where(p)}: resumed` }),
  'rebalance.partitions_assigned': (p) => ({
    level: 'info',
    text: `[${p.group}] assigned ${p.partitions.map((x) => `${x.topic}/${x.partition}`).join(', ') || 'nothing'}`,
  }),
  'rebalance.partitions_revoked': (p) => ({
    level: 'info',
    text: `[${p.group}] revoked ${p.partitions.map((x) => `${x.topic}/${x.partition}`).join(', ') || 'nothing'}`,
  }),
  'dead_letter_queue.dispatched': (p) => ({
    level: 'warn',
    text: `${where(p)}: offset ${p.offset} dead-lettered to ${p.deadLetter} after ${p.attempts} attempt${p.attempts === 1 ? '' : 's'}: ${p.reason}`,
  }),
  'offsets.committed': (p) => ({ level: 'debug', text: `${where(p)}: committed offset ${p.offset}` }),
  'lambda.invoked': (p) => ({
    level: 'debug',
    text: `${where(p)}: ${p.functionName} invoked with ${p.messages} messages in ${p.durationMs} ms (status ${p.statusCode}${p.functionError ? `, ${p.functionError}` : ''})`,
  }),
  'error.occurred': (p) => ({
    level: p.type === 'kafka.warning' ? 'warn' : 'error',
    text: `${p.group ? `[${p.group}] ` : ''}${p.topic ? `${p.topic}/${p.partition}: ` : ''}${p.type}: ${p.error.message}`,
  }),
  'client.log': (p) => ({ level: 'debug', text: `kafkajs ${p.namespace}: ${p.message}`, fields: p.fields }),
  'consumer.log': (p) => ({ level: p.level, text: `${where(p)}: ${p.message}`, ...(p.fields ? { fields: p.fields } : {}) }),
}

/** Subscribes the stdout logger to the monitor; returns the unsubscribe function. */
export function attachLogger(monitor: Monitor, options: LoggerOptions): () => void {
  const threshold = LOG_LEVELS.indexOf(options.level)
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`))
  const secrets = options.secrets ?? []
  const unsubscribe: (() => void)[] = []
  for (const [event, format] of Object.entries(FORMATS) as [EventName, (p: unknown) => Line][]) {
    unsubscribe.push(
      monitor.subscribe(event, (payload) => {
        const line = format(payload)
        if (LOG_LEVELS.indexOf(line.level) < threshold) return
        const time = new Date().toISOString()
        const text =
          options.format === 'json'
            ? JSON.stringify({ time, level: line.level, event, message: line.text, ...line.fields })
            : `${time} ${line.level.toUpperCase().padEnd(5)} ${line.text}${line.fields ? ` ${JSON.stringify(line.fields)}` : ''}`
        write(redact(text, secrets))
      }),
    )
  }
  return () => {
    for (const fn of unsubscribe) fn()
  }
}

/** The level from KARAFKA_LOG_LEVEL, or info. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const level = env.KARAFKA_LOG_LEVEL?.toLowerCase()
  return (LOG_LEVELS as readonly string[]).includes(level ?? '') ? (level as LogLevel) : 'info'
}
