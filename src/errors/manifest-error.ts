import { KarafkaError } from './karafka-error.js'

/** One problem in a manifest, located in its source. */
export interface ManifestIssue {
  file: string
  line: number
  col: number
  /** Dotted path of the offending field, e.g. `topics.orders.key`. */
  path: string
  message: string
  hint?: string
}

/** Formats one issue as `file:line:col path: message` with the hint on the next line. */
export function formatIssue(issue: ManifestIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.col}`
  const head = issue.path ? `${where} ${issue.path}: ${issue.message}` : `${where} ${issue.message}`
  return issue.hint ? `${head}\n  hint: ${issue.hint}` : head
}

/** A manifest that cannot be used, with every problem found in it at once. */
export class ManifestError extends KarafkaError {
  readonly issues: readonly ManifestIssue[]

  constructor(file: string, issues: ManifestIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`
    super('MANIFEST_INVALID', `${file} has ${count}`)
    this.issues = issues
  }

  override format(): string {
    return [...this.issues.map(formatIssue), this.message].join('\n')
  }
}
