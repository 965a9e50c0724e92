import type { Path } from '../source.js'

/** A problem found by a rule, before it is located in the source. */
export interface RuleIssue {
  path: Path
  at: 'key' | 'value'
  message: string
  hint?: string
}
