import { isPlainObject } from '../fields.js'
import type { RuleIssue } from './rule-issue.js'

const DEFAULTS = { reportsTopic: 'karafka_ts_reports', errorsTopic: 'karafka_ts_errors' } as const

/** The reports and errors topics of `karafka web` are its own: two topics, neither declared under topics: nor a dead-letter topic. */
export function checkWebTopics(raw: Record<string, unknown>, topics: Record<string, unknown>): RuleIssue[] {
  const web = isPlainObject(raw.web) ? raw.web : {}
  const names = {
    reportsTopic: typeof web.reportsTopic === 'string' ? web.reportsTopic : DEFAULTS.reportsTopic,
    errorsTopic: typeof web.errorsTopic === 'string' ? web.errorsTopic : DEFAULTS.errorsTopic,
  }
  const deadLetters = new Set<string>()
  for (const group of Object.values(isPlainObject(raw.consumerGroups) ? raw.consumerGroups : {})) {
    if (!isPlainObject(group) || !isPlainObject(group.topics)) continue
    for (const route of Object.values(group.topics))
      if (isPlainObject(route) && typeof route.deadLetter === 'string') deadLetters.add(route.deadLetter)
  }
  const issues: RuleIssue[] = []
  for (const key of ['reportsTopic', 'errorsTopic'] as const) {
    const name = names[key]
    const path = key in web ? ['web', key] : ['web']
    const clash = name in topics ? 'a topic declared under topics:' : deadLetters.has(name) ? 'a dead-letter topic of a route' : undefined
    if (clash) {
      issues.push({
        path: key in web ? path : ['topics', name],
        at: 'key',
        message: `"${name}" is the web ${key === 'reportsTopic' ? 'reports' : 'errors'} topic and also ${clash}`,
        hint: `karafka server writes its ${key === 'reportsTopic' ? 'state reports' : 'handler failures'} there: rename the topic, or set web.${key} to another name`,
      })
    }
  }
  if (names.reportsTopic === names.errorsTopic) {
    issues.push({
      path: ['web', 'errorsTopic'],
      at: 'value',
      message: `the errors topic is the reports topic ("${names.errorsTopic}")`,
      hint: 'name two topics: the reports topic is compacted (one record per process), the errors topic keeps every failure for 3 days',
    })
  }
  return issues
}
