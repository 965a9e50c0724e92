import { describeType, type FieldType, isPlainObject, parseTypeExpression } from '../fields.js'
import type { RuleIssue } from './rule-issue.js'

/** A topic's partition key is a required string, integer or number field of every event of the topic. */
export function checkPartitionKeys(topics: Record<string, unknown>): RuleIssue[] {
  const issues: RuleIssue[] = []
  for (const [topic, spec] of Object.entries(topics)) {
    if (!isPlainObject(spec) || typeof spec.key !== 'string' || !isPlainObject(spec.events)) continue
    const key = spec.key
    for (const [event, fields] of Object.entries(spec.events)) {
      if (!isPlainObject(fields)) continue
      const problem = keyProblem(fields, key.split('.'))
      if (!problem) continue
      issues.push({
        path: ['topics', topic, 'events', event],
        at: 'key',
        message: problem.replace('%key', `the partition key "${key}"`),
        hint: `every event of topic "${topic}" needs a required field "${key}" of type string, integer or number, so that its events share a partition and stay in order; add it to "${event}" or change topics.${topic}.key`,
      })
    }
  }
  return issues
}

function keyProblem(fields: Record<string, unknown>, segments: string[]): string | undefined {
  const [name = '', ...rest] = segments
  if (`${name}?` in fields) return `%key is optional here; a partition key must be required`
  if (!(name in fields)) return `%key is missing`
  const spec = fields[name]
  if (rest.length > 0) {
    return isPlainObject(spec) ? keyProblem(spec, rest) : `%key goes through "${name}", which is not an object`
  }
  const type = typeof spec === 'string' ? parseTypeExpression(spec) : undefined
  if (type && !('error' in type) && isKeyType(type)) return undefined
  const found = type && !('error' in type) ? describeType(type) : Array.isArray(spec) ? 'array' : 'object'
  return `%key is of type ${found}; a partition key must be a string, integer or number`
}

function isKeyType(type: FieldType): boolean {
  return type.kind === 'string' || type.kind === 'integer' || type.kind === 'number'
}
