import path from 'node:path'
import { isPlainObject } from '../fields.js'
import type { RuleIssue } from './rule-issue.js'

const HANDLER_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs']

/**
 * Every route names a declared topic, a handler module inside the project, the lambda block
 * it needs, a dead-letter topic other than its own, virtual partitions by a field its
 * topic's events have, and transactions only where they can hold.
 */
export function checkRoutes(raw: Record<string, unknown>, topics: Record<string, unknown>): RuleIssue[] {
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
      const by = isPlainObject(route.virtualPartitions) ? route.virtualPartitions.by : undefined
      const events = isPlainObject(topics[topic]) ? topics[topic].events : undefined
      if (
        typeof by === 'string' &&
        by !== 'key' &&
        isPlainObject(events) &&
        !Object.values(events).some((fields) => hasField(fields, by))
      ) {
        issues.push({
          path: [...routePath, 'virtualPartitions', 'by'],
          at: 'value',
          message: `no event of topic "${topic}" has the field "${by}"`,
          hint: `name a field of its events (${Object.keys(events).join(', ')}), or use by: key; messages without the value all go to one virtual partition`,
        })
      }
      if (route.inconsistent === 'dead-letter' && route.deadLetter === undefined) {
        issues.push({
          path: [...routePath, 'inconsistent'],
          at: 'value',
          message: 'inconsistent: dead-letter needs a dead-letter topic',
          hint: `add deadLetter: ${topic}.dlq to the route, or use inconsistent: report`,
        })
      }
      if (route.inconsistent === 'dead-letter' && route.poller === 'aws') {
        issues.push({
          path: [...routePath, 'inconsistent'],
          at: 'value',
          message: "inconsistent: dead-letter is not honoured on a route AWS's event source mapping polls",
          hint: 'the function hands every valid message over; leave inconsistent out, or let the karafka poller poll this route',
        })
      }
      if (route.transactional === true && groupSpec.isolationLevel === 'read_uncommitted') {
        issues.push({
          path: [...routePath, 'transactional'],
          at: 'key',
          message: `a transactional route's group reads read_uncommitted (consumerGroups.${group}.isolationLevel)`,
          hint: 'it would publish, exactly once, events made from records that were aborted upstream; read read_committed (the default)',
        })
      }
      if (route.transactional === true && route.poller === 'aws') {
        issues.push({
          path: [...routePath, 'transactional'],
          at: 'key',
          message: "a transactional route cannot be polled by AWS's event source mapping",
          hint: 'AWS commits its own offsets, outside any transaction of yours; leave poller: karafka (the default), whose poller writes the events and the offsets in one transaction',
        })
      }
      if (route.transactional === true && isPlainObject(route.virtualPartitions)) {
        issues.push({
          path: [...routePath, 'transactional'],
          at: 'key',
          message: 'a transactional route cannot have virtualPartitions',
          hint: 'virtual partitions finish messages out of offset order, and a transaction can only commit the offset below the first unfinished one together with what was published for everything before it; drop one of the two',
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

/** Whether an event's fields have the (dot) path, required or optional. */
function hasField(fields: unknown, dotPath: string): boolean {
  let spec: unknown = fields
  for (const name of dotPath.split('.')) {
    if (!isPlainObject(spec)) return false
    spec = name in spec ? spec[name] : spec[`${name}?`]
    if (spec === undefined) return false
  }
  return true
}
