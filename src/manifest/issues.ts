import { isMap, isSeq } from 'yaml'
import type { z } from 'zod'
import type { ManifestIssue } from '../errors/index.js'
import type { RuleIssue } from './rules/index.js'
import type { ManifestSource, Path } from './source.js'

type ZodIssue = z.core.$ZodIssue

/** Dotted path for messages: `topics.orders.key`, with `["orders.dlq"]` for names holding dots. */
export function formatPath(path: Path): string {
  return path
    .map((segment, i) => {
      if (typeof segment === 'number') return `[${segment}]`
      const text = String(segment)
      if (/^[A-Za-z_$][A-Za-z0-9_$?-]*$/.test(text)) return i === 0 ? text : `.${text}`
      return `[${JSON.stringify(text)}]`
    })
    .join('')
}

/** Turns zod issues into located manifest issues, one per problem, each with a hint where one helps. */
export function fromZodIssues(source: ManifestSource, issues: readonly ZodIssue[], allowedKeys: (path: Path) => string[]): ManifestIssue[] {
  return flatten(issues, []).flatMap((issue) => describe(source, issue, allowedKeys))
}

function flatten(issues: readonly ZodIssue[], prefix: Path): ZodIssue[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path]
    if (issue.code !== 'invalid_union') return [{ ...issue, path } as ZodIssue]
    // Keep the branch whose basic shape matched (string, list or mapping); report its problems.
    const matching = issue.errors.filter((branch) => !branch.some((inner) => inner.code === 'invalid_type' && inner.path.length === 0))
    if (matching[0]) return flatten(matching[0], path)
    const expected = [
      ...new Set(issue.errors.flatMap((branch) => branch.map((inner) => (inner.code === 'invalid_type' ? inner.expected : undefined)))),
    ].filter(Boolean)
    return [{ ...issue, path, message: `expected ${listOr(expected.map(friendlyType))}` } as ZodIssue]
  })
}

function describe(source: ManifestSource, issue: ZodIssue, allowedKeys: (path: Path) => string[]): ManifestIssue[] {
  const at = (path: Path, where: 'key' | 'value', message: string, hint?: string): ManifestIssue => ({
    file: source.file,
    ...source.locate(path, where),
    path: formatPath(path),
    message,
    ...(hint ? { hint } : {}),
  })
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(issue.path)
      return issue.keys.map((key) => {
        const near = closest(key, allowed)
        const suggestion = near ? `did you mean "${near}"? ` : ''
        return at([...issue.path, key], 'key', `unknown key "${key}"`, `${suggestion}allowed here: ${allowed.join(', ')}`)
      })
    }
    case 'invalid_key':
      return [at(issue.path, 'key', `invalid name "${String(issue.path.at(-1))}": ${issue.issues[0]?.message ?? issue.message}`)]
    case 'invalid_type': {
      if (!source.doc.hasIn(issue.path as unknown[])) {
        const name = String(issue.path.at(-1))
        return [at(issue.path.slice(0, -1), 'key', `missing required key "${name}" (${friendlyType(issue.expected)})`, `add ${name}: here`)]
      }
      return [at(issue.path, 'value', `expected ${friendlyType(issue.expected)}, got ${received(source, issue.path)}`)]
    }
    case 'invalid_value':
      return [at(issue.path, 'value', `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`)]
    case 'too_small':
    case 'too_big':
      return [at(issue.path, 'value', sizeMessage(issue))]
    default:
      return [at(issue.path, 'value', issue.message)]
  }
}

function sizeMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const bound = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum)
  const word = issue.code === 'too_small' ? 'at least' : 'at most'
  if (issue.origin === 'string')
    return bound <= 1 && issue.code === 'too_small' ? 'must not be empty' : `must have ${word} ${bound} characters`
  if (issue.origin === 'array') return `must have ${word} ${bound} items`
  return `must be ${word} ${bound}`
}

function received(source: ManifestSource, path: Path): string {
  const value: unknown = source.doc.getIn(path as unknown[])
  if (isSeq(value)) return 'a list'
  if (isMap(value)) return 'a mapping'
  if (value === null || value === undefined) return 'nothing'
  return typeof value === 'string' ? `"${value}"` : String(value)
}

function listOr(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`
}

function friendlyType(expected: string | undefined): string {
  switch (expected) {
    case 'record':
    case 'object':
      return 'a mapping'
    case 'array':
    case 'tuple':
      return 'a list'
    case 'int':
      return 'an integer'
    case 'number':
      return 'a number'
    case 'string':
      return 'a string'
    case 'boolean':
      return 'true or false'
    default:
      return String(expected)
  }
}

/** The allowed key nearest to `key` by edit distance, when near enough to be a typo. */
function closest(key: string, allowed: string[]): string | undefined {
  let best: { key: string; distance: number } | undefined
  for (const candidate of allowed) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase())
    if (distance <= Math.max(1, Math.floor(candidate.length / 3)) && (!best || distance < best.distance))
      best = { key: candidate, distance }
  }
  return best?.key
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    row = next
  }
  return row[b.length]!
}

/** Locates rule issues. */
export function fromRuleIssues(source: ManifestSource, issues: readonly RuleIssue[]): ManifestIssue[] {
  return issues.map((issue) => ({
    file: source.file,
    ...source.locate(issue.path, issue.at),
    path: formatPath(issue.path),
    message: issue.message,
    ...(issue.hint ? { hint: issue.hint } : {}),
  }))
}
