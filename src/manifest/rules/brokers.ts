import { isPlainObject } from '../fields.js'
import type { RuleIssue } from './rule-issue.js'

/** Each broker is host:port, whether given as a list or a comma-separated string. */
export function checkBrokers(app: unknown): RuleIssue[] {
  if (!isPlainObject(app)) return []
  const list = typeof app.brokers === 'string' ? app.brokers.split(',') : Array.isArray(app.brokers) ? app.brokers : []
  const bad = list.map((b) => String(b).trim()).find((b) => !/^(\[[0-9a-fA-F:]+\]|[^\s:[\]]+):\d{1,5}$/.test(b))
  if (bad === undefined) return []
  return [
    {
      path: ['app', 'brokers'],
      at: 'value',
      message: `"${bad}" is not host:port`,
      hint: 'list brokers as host:port, such as 127.0.0.1:9092 or kafka-1:9092,kafka-2:9092',
    },
  ]
}
