import { isPlainObject } from '../fields.js'
import { LAMBDA_RUNTIMES } from '../schema.js'
import type { RuleIssue } from './rule-issue.js'

/** When AWS deprecated the Node.js runtimes that karafka-ts no longer deploys to. */
const DEPRECATED: Record<string, string> = {
  'nodejs20.x': 'on 30 April 2026',
  'nodejs18.x': 'on 1 September 2025',
  'nodejs16.x': 'on 12 June 2024',
}

/** lambda.runtime: a Node.js runtime AWS has deprecated is refused, saying so and what to use. */
export function checkLambdaRuntime(lambda: unknown): RuleIssue[] {
  if (!isPlainObject(lambda) || typeof lambda.runtime !== 'string') return []
  const runtime = lambda.runtime
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1]
  if (major === undefined || (LAMBDA_RUNTIMES as readonly string[]).includes(runtime) || Number(major) > 24) return []
  return [
    {
      path: ['lambda', 'runtime'],
      at: 'value',
      message: `${runtime} is deprecated by AWS Lambda (${DEPRECATED[runtime] ?? 'years ago'}): Lambda blocks creating functions on a deprecated runtime, then updating them`,
      hint: `use nodejs24.x (the default: delete this line) or nodejs22.x; karafka build then bundles for that Node version`,
    },
  ]
}
