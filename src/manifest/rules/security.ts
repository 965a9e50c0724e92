import { existsSync } from 'node:fs'
import path from 'node:path'
import { isPem, PEM_FIELDS } from '../../kafka/security.js'
import { isPlainObject } from '../fields.js'
import type { RuleIssue } from './rule-issue.js'

/** `app.ssl`: each file it names exists, and a client certificate comes with its key. */
export function checkSecurity(app: unknown, root: string): RuleIssue[] {
  if (!isPlainObject(app) || !isPlainObject(app.ssl)) return []
  const { ssl } = app
  const issues: RuleIssue[] = []
  for (const field of PEM_FIELDS) {
    const value = ssl[field]
    if (typeof value !== 'string' || value === '' || isPem(value)) continue
    if (!existsSync(path.resolve(root, value))) {
      issues.push({
        path: ['app', 'ssl', field],
        at: 'value',
        // The key's value is never quoted: it may be the key itself, in a form not recognised as PEM.
        message:
          field === 'key'
            ? 'the private key is not PEM text, and no file by that name exists'
            : `the ${field === 'ca' ? 'CA certificate' : 'client certificate'} file "${value}" does not exist`,
        hint: 'give a PEM file relative to karafka.yml, or the PEM text itself (for example "${KAFKA_CA_PEM}")',
      })
    }
  }
  for (const [present, missing] of [
    ['cert', 'key'],
    ['key', 'cert'],
  ] as const) {
    if (ssl[present] !== undefined && ssl[missing] === undefined) {
      issues.push({
        path: ['app', 'ssl', present],
        at: 'key',
        message: `a client ${present === 'cert' ? 'certificate' : 'key'} needs its ${missing === 'key' ? 'private key' : 'certificate'} (app.ssl.${missing})`,
        hint: 'mutual TLS takes both cert and key; leave both out for TLS without a client certificate',
      })
    }
  }
  return issues
}
