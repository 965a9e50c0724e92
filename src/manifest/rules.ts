import path from 'node:path'
import { describeType, isPlainObject, parseTypeExpression, type FieldType } from './fields.js'
import { pascalCase } from './names.js'
import type { Path } from './source.js'

/** A problem found by a rule, before it is located in the source. */
export interface RuleIssue {
  path: Path
  at: 'key' | 'value'
  message: string
  hint?: string
}

const HANDLER_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs']

/**
 * The manifest rules that span several fields. They read the raw manifest defensively, so
 * they run (and report) even where the schema found other problems.
 */
export function checkRules(raw: unknown): RuleIssue[] {
  if (!isPlainObject(raw)) return []
  const topics = isPlainObject(raw.topics) ? raw.topics : {}
  return [...checkBrokers(raw.app), ...checkPartitionKeys(topics), ...checkNames(topics), ...checkRoutes(raw, topics)]
}

/** Each broker is host:port, whether given as a list or a comma-separated string. */
function checkBrokers(app: unknown): RuleIssue[] {
  if (!isPlainObject(app)) return []
  const list = typeof app.brokers === 'string' ? app.brokers.split(',') : Array.isArray(app.brokers) ? app.brokers : []
  const bad = list.map((b) => String(b).trim()).find((b) => !/^(\[[0-9a-fA-F:]+\]|[^\s:[\]]+):\d{1,5}$/.test(b))
  if (bad === undefined) return []
  return [{ path: ['app', 'brokers'], at: 'value', message: `"${bad}" is not host:port`, hint: 'list brokers as host:port, such as 127.0.0.1:9092 or kafka-1:9092,kafka-2:9092' }]
}

function checkPartitionKeys(topics: Record<string, unknown>): RuleIssue[] {
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

/** Generated type names (PascalCase) must not collide across topics and events. */
function checkNames(topics: Record<string, unknown>): RuleIssue[] {
  const issues: RuleIssue[] = []
  const seen = new Map<string, string>()
  const claim = (name: string, owner: string, issuePath: Path) => {
    const previous = seen.get(name)
    if (previous === undefined) return seen.set(name, owner)
    issues.push({
      path: issuePath,
      at: 'key',
      message: `its generated type name "${name}" is already taken by ${previous}`,
      hint: 'rename one of the two so that their PascalCase names differ',
    })
  }
  for (const [topic, spec] of Object.entries(topics)) {
    claim(`${pascalCase(topic)}Event`, `topic "${topic}"`, ['topics', topic])
    if (!isPlainObject(spec) || !isPlainObject(spec.events)) continue
    for (const event of Object.keys(spec.events)) {
      claim(pascalCase(event), `event "${event}"`, ['topics', topic, 'events', event])
    }
  }
  return issues
}

function checkRoutes(raw: Record<string, unknown>, topics: Record<string, unknown>): RuleIssue[] {
  const issues: RuleIssue[] = []
  const groups = isPlainObject(raw.consumerGroups) ? raw.consumerGroups : {}
  for (const [group, groupSpec] of Object.entries(groups)) {
    if (!isPlainObject(groupSpec) || !isPlainObject(groupSpec.topics)) continue
    for (const [topic, route] of Object.entries(groupSpec.topics)) {
      const routePath = ['consumerGroups', group, 'topics', topic]
      if (!(topic in topics)) {
        issues.push({
          path: routePath,
          at: 'key',
          message: `routes to topic "${topic}", which is not declared`,
          hint: `declare it under topics: (declared: ${Object.keys(topics).join(', ') || 'none'})`,
        })
      }
      if (!isPlainObject(route)) continue
      if (typeof route.handler === 'string') {
        const problem = handlerProblem(route.handler)
        if (problem) issues.push({ path: [...routePath, 'handler'], at: 'value', ...problem })
      }
      if (route.backend === 'lambda' && !isPlainObject(raw.lambda)) {
        issues.push({
          path: [...routePath, 'backend'],
          at: 'value',
          message: 'a lambda route needs the top-level lambda block',
          hint: 'add lambda: { region: us-east-1, functionPrefix: my-app- } to karafka.yml, or use backend: local',
        })
      }
      if (route.deadLetter === topic) {
        issues.push({
          path: [...routePath, 'deadLetter'],
          at: 'value',
          message: `the dead-letter topic is the topic it consumes ("${topic}")`,
          hint: `name another topic, such as ${topic}.dlq; failed messages would otherwise come straight back`,
        })
      }
    }
  }
  return issues
}

function handlerProblem(handler: string): { message: string; hint: string } | undefined {
  const normal = path.posix.normalize(handler.replaceAll('\\', '/'))
  if (path.posix.isAbsolute(normal) || /^[A-Za-z]:/.test(handler) || normal === '..' || normal.startsWith('../')) {
    return {
      message: `the handler "${handler}" is outside the project`,
      hint: 'give a path relative to the directory of karafka.yml, such as handlers/users.ts',
    }
  }
  if (!HANDLER_EXTENSIONS.includes(path.posix.extname(normal))) {
    return {
      message: `the handler "${handler}" is not a module file`,
      hint: `name a file ending in ${HANDLER_EXTENSIONS.join(', ')}`,
    }
  }
  return undefined
}
