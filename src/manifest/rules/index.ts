import { isPlainObject } from '../fields.js'
import { checkAwsPolling } from './aws-polling.js'
import { checkBrokers } from './brokers.js'
import { checkLambdaRuntime } from './lambda.js'
import { checkNames } from './names.js'
import { checkPartitionKeys } from './partition-keys.js'
import { checkPaths } from './paths.js'
import { checkRoutes } from './routes.js'
import type { RuleIssue } from './rule-issue.js'
import { checkSecurity } from './security.js'
import { checkWebTopics } from './web.js'

export type { RuleIssue } from './rule-issue.js'

/**
 * The manifest rules the schema alone cannot say: those that span several fields, and those
 * that say more than "not one of these values". They read the raw manifest defensively, so
 * they run (and report) even where the schema found other problems; where a rule and the
 * schema complain about the same field, the loader keeps the rule's message. Every command
 * loads the manifest through them, so every command refuses the same manifests.
 */
export function checkRules(raw: unknown, root: string): RuleIssue[] {
  if (!isPlainObject(raw)) return []
  const topics = isPlainObject(raw.topics) ? raw.topics : {}
  return [
    ...checkBrokers(raw.app),
    ...checkSecurity(raw.app, root),
    ...checkLambdaRuntime(raw.lambda),
    ...checkPartitionKeys(topics),
    ...checkNames(topics),
    ...checkRoutes(raw, topics),
    ...checkAwsPolling(raw),
    ...checkPaths(raw, root),
    ...checkWebTopics(raw, topics),
  ]
}
