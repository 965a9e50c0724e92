import { isPlainObject } from '../fields.js'
import type { Path } from '../source.js'
import type { RuleIssue } from './rule-issue.js'

/** AWS's limits for Kafka event source mappings that the schema alone cannot say. */
const MAX_BATCH_SIZE = 10_000
const MAX_TIMEOUT_SECONDS = 840
/** CloudFormation's schema wants `kafka://<topic>` of at least 12 characters. */
const MIN_DESTINATION_TOPIC = 4

interface AwsRoute {
  group: string
  topic: string
  path: Path
  route: Record<string, unknown>
}

/**
 * Routes with `poller: aws`: a lambda route, within what AWS's Kafka event source mapping
 * takes (batch size, function timeout, an on-failure topic CloudFormation accepts), a
 * consumer group of its own (AWS wants one per mapping, and kafkajs members cannot share a
 * group with AWS's pollers), and the secrets AWS needs to sign in as the app block does.
 */
export function checkAwsPolling(raw: Record<string, unknown>): RuleIssue[] {
  const issues: RuleIssue[] = []
  const groups = isPlainObject(raw.consumerGroups) ? raw.consumerGroups : {}
  const awsRoutes: AwsRoute[] = []
  // Groups that karafka server polls: a group id AWS's mapping must not join.
  const polledByKarafka = new Map<string, string>()
  for (const [group, spec] of Object.entries(groups)) {
    if (!isPlainObject(spec) || !isPlainObject(spec.topics)) continue
    for (const [topic, route] of Object.entries(spec.topics)) {
      if (!isPlainObject(route)) continue
      const path = ['consumerGroups', group, 'topics', topic]
      if (route.poller === 'aws') awsRoutes.push({ group, topic, path, route })
      else {
        if (!polledByKarafka.has(group)) polledByKarafka.set(group, `${group}/${topic}`)
        if (route.aws !== undefined) {
          issues.push({
            path: [...path, 'aws'],
            at: 'key',
            message: 'aws settings apply only to a route that AWS polls',
            hint: 'add poller: aws (with backend: lambda), or remove aws:',
          })
        }
      }
    }
  }
  const lambda = isPlainObject(raw.lambda) ? raw.lambda : undefined
  const claimed = new Map<string, string>()
  for (const { group, topic, path, route } of awsRoutes) {
    if (route.backend !== 'lambda') {
      issues.push({
        path: [...path, 'poller'],
        at: 'value',
        message: "poller: aws is for lambda routes: AWS's event source mapping invokes a Lambda function",
        hint: 'add backend: lambda to this route, or remove poller: aws',
      })
    }
    const batch = isPlainObject(route.batch) ? route.batch : {}
    if (typeof batch.maxSize === 'number' && batch.maxSize > MAX_BATCH_SIZE) {
      issues.push({
        path: [...path, 'batch', 'maxSize'],
        at: 'value',
        message: `AWS's event source mapping hands over at most ${MAX_BATCH_SIZE} records at once (BatchSize)`,
        hint: `use at most ${MAX_BATCH_SIZE}, or let karafka server poll this route (poller: karafka)`,
      })
    }
    const dlq = route.deadLetter
    if (typeof dlq === 'string' && (dlq.length < MIN_DESTINATION_TOPIC || dlq.startsWith('.'))) {
      issues.push({
        path: [...path, 'deadLetter'],
        at: 'value',
        message: `AWS's on-failure destination kafka://${dlq} needs a topic of at least ${MIN_DESTINATION_TOPIC} characters, not starting with "."`,
        hint: `name a longer dead-letter topic, such as ${topic}.dlq`,
      })
    }
    const aws = isPlainObject(route.aws) ? route.aws : {}
    const explicit = typeof aws.consumerGroupId === 'string'
    const id = explicit ? (aws.consumerGroupId as string) : group
    const where: Pick<RuleIssue, 'path' | 'at'> = explicit
      ? { path: [...path, 'aws', 'consumerGroupId'], at: 'value' }
      : { path: [...path, 'poller'], at: 'value' }
    const suggestion = `${group}-${topic}`.replace(/[^a-zA-Z0-9\-/*:_+=.@]/g, '-').slice(0, 200)
    const karafkaRoute = polledByKarafka.get(id)
    const otherAws = claimed.get(id)
    if (karafkaRoute) {
      issues.push({
        ...where,
        message: `AWS's event source mapping would join the consumer group "${id}", which karafka server polls (${karafkaRoute}); kafkajs and AWS's pollers cannot share a group`,
        hint: `set aws.consumerGroupId to a group of its own (such as ${suggestion}), or move the route to a consumer group of its own`,
      })
    } else if (otherAws) {
      issues.push({
        ...where,
        message: `AWS wants a consumer group id of its own for each event source mapping, and ${otherAws} already uses "${id}"`,
        hint: `set aws.consumerGroupId (such as ${suggestion})`,
      })
    } else if (id.length > 200) {
      issues.push({ ...where, message: "AWS's consumer group ids have at most 200 characters", hint: 'set aws.consumerGroupId' })
    }
    claimed.set(id, `${group}/${topic}`)
    const pollers = isPlainObject(aws.pollers) ? aws.pollers : {}
    if (typeof pollers.min === 'number' && typeof pollers.max === 'number' && pollers.min > pollers.max) {
      issues.push({
        path: [...path, 'aws', 'pollers', 'min'],
        at: 'value',
        message: `at least ${pollers.min} pollers and at most ${pollers.max} cannot both hold`,
        hint: 'make min at most max',
      })
    }
  }
  if (awsRoutes.length === 0) return issues
  if (lambda && typeof lambda.timeout === 'number' && lambda.timeout > MAX_TIMEOUT_SECONDS) {
    issues.push({
      path: ['lambda', 'timeout'],
      at: 'value',
      message: `AWS's Kafka event source mappings invoke functions with a timeout of at most ${MAX_TIMEOUT_SECONDS} s (14 minutes), and ${awsRoutes[0]!.group}/${awsRoutes[0]!.topic} is polled by AWS`,
      hint: `use a timeout of at most ${MAX_TIMEOUT_SECONDS}`,
    })
  }
  return [...issues, ...authIssues(raw.app, lambda)]
}

/** AWS's mapping signs in as the app block says: through IAM for MSK, or with secrets from Secrets Manager. */
function authIssues(app: unknown, lambda: Record<string, unknown> | undefined): RuleIssue[] {
  if (!isPlainObject(app)) return []
  const source = isPlainObject(lambda?.eventSource) ? lambda.eventSource : {}
  const sourcePath: Pick<RuleIssue, 'path' | 'at'> = isPlainObject(lambda?.eventSource)
    ? { path: ['lambda', 'eventSource'], at: 'key' }
    : { path: ['lambda'], at: 'key' }
  const msk = typeof source.mskCluster === 'string'
  const mechanism = isPlainObject(app.sasl) ? app.sasl.mechanism : undefined
  const ssl = isPlainObject(app.ssl) ? app.ssl : {}
  const issues: RuleIssue[] = []
  if (mechanism === 'oauthbearer' && !msk) {
    issues.push({
      path: ['app', 'sasl', 'mechanism'],
      at: 'value',
      message: "AWS's event source mapping signs in with IAM to Amazon MSK only, and lambda.eventSource.mskCluster is not set",
      hint: "set lambda.eventSource.mskCluster to the cluster's ARN, or sign in with SCRAM or a client certificate",
    })
  }
  if (msk && (mechanism === 'plain' || mechanism === 'scram-sha-256')) {
    issues.push({
      path: ['app', 'sasl', 'mechanism'],
      at: 'value',
      message: `Amazon MSK's event source mapping takes SASL/SCRAM-SHA-512 only, not ${mechanism}`,
      hint: 'use scram-sha-512 (or MSK IAM: mechanism oauthbearer, provider aws-msk-iam)',
    })
  }
  const sasl = mechanism === 'plain' || mechanism === 'scram-sha-256' || mechanism === 'scram-sha-512'
  if ((sasl || (mechanism === undefined && ssl.cert !== undefined)) && typeof source.authSecret !== 'string') {
    issues.push({
      ...sourcePath,
      message: sasl
        ? "AWS's event source mapping reads the SASL username and password from Secrets Manager, and lambda.eventSource.authSecret is not set"
        : "AWS's event source mapping reads the client certificate and key from Secrets Manager, and lambda.eventSource.authSecret is not set",
      hint: sasl
        ? 'set lambda.eventSource.authSecret to the ARN of a secret holding {"username": "...", "password": "..."}'
        : 'set lambda.eventSource.authSecret to the ARN of a secret holding {"certificate": "<PEM chain>", "privateKey": "<PKCS#8 PEM>"}',
    })
  }
  if (!msk && typeof ssl.ca === 'string' && typeof source.caSecret !== 'string') {
    issues.push({
      ...sourcePath,
      message:
        "AWS's event source mapping trusts a private CA (app.ssl.ca) from Secrets Manager, and lambda.eventSource.caSecret is not set",
      hint: 'set lambda.eventSource.caSecret to the ARN of a secret holding {"certificate": "-----BEGIN CERTIFICATE-----..."}',
    })
  }
  return issues
}
