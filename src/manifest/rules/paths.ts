import { existsSync } from 'node:fs'
import path from 'node:path'
import { isPlainObject, SCHEMA_REF } from '../fields.js'
import type { RuleIssue } from './rule-issue.js'

/**
 * Paths the manifest names, against the project on disk: the output directory is inside the
 * project, no handler lives in it (it is rewritten), and every `path#Export` schema module
 * exists in the project.
 */
export function checkPaths(raw: Record<string, unknown>, root: string): RuleIssue[] {
  const issues: RuleIssue[] = []
  const written = isPlainObject(raw.codegen) && typeof raw.codegen.outDir === 'string' ? raw.codegen.outDir : 'generated'
  const outDir = path.resolve(root, written)
  if (!isInside(root, outDir)) {
    issues.push({
      path: ['codegen', 'outDir'],
      at: 'value',
      message: `the output directory "${written}" is not inside the project`,
      hint: 'use a directory below karafka.yml, such as generated',
    })
  }
  const groups = isPlainObject(raw.consumerGroups) ? raw.consumerGroups : {}
  for (const [group, spec] of Object.entries(groups)) {
    const routes = isPlainObject(spec) && isPlainObject(spec.topics) ? spec.topics : {}
    for (const [topic, route] of Object.entries(routes)) {
      if (!isPlainObject(route) || typeof route.handler !== 'string') continue
      if (isInside(outDir, path.resolve(root, route.handler))) {
        issues.push({
          path: ['consumerGroups', group, 'topics', topic, 'handler'],
          at: 'value',
          message: `the handler "${route.handler}" is inside the generated directory`,
          hint: 'keep handlers outside codegen.outDir; that directory is rewritten',
        })
      }
    }
  }
  const topics = isPlainObject(raw.topics) ? raw.topics : {}
  for (const [topic, spec] of Object.entries(topics)) {
    const events = isPlainObject(spec) && isPlainObject(spec.events) ? spec.events : {}
    for (const [event, schema] of Object.entries(events)) {
      const ref = typeof schema === 'string' ? SCHEMA_REF.exec(schema) : null
      if (!ref) continue
      const [, module = '', exportName = ''] = ref
      const file = path.resolve(root, module)
      if (!isInside(root, file) || !existsSync(file)) {
        issues.push({
          path: ['topics', topic, 'events', event],
          at: 'key',
          message: `the schema module "${module}" does not exist in the project`,
          hint: `create it and export a zod schema named ${exportName}, or describe the event's fields here`,
        })
      }
    }
  }
  return issues
}

/** True when `file` is strictly below `root`. */
export function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file)
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
}
