import { isPlainObject } from '../fields.js'
import { camelCase, pascalCase } from '../names.js'
import type { Path } from '../source.js'
import type { RuleIssue } from './rule-issue.js'

/** Generated names must not collide: type names (PascalCase) across topics and events, and responder methods with tombstone(key). */
export function checkNames(topics: Record<string, unknown>): RuleIssue[] {
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
      if (camelCase(event) === 'tombstone') {
        issues.push({
          path: ['topics', topic, 'events', event],
          at: 'key',
          message: 'an event may not be named "tombstone"',
          hint: 'every responder has tombstone(key) already; rename the event',
        })
      }
    }
  }
  return issues
}
