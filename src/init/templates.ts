/** What `karafka init` writes: the blog post's users app, named after the project. */

export interface TemplateOptions {
  /** The app's name: its client id and consumer group. */
  name: string
  /** Add a consumer group whose route runs on Lambda, and the lambda block. */
  lambda: boolean
}

/** karafka.yml: a compacted users topic keyed by id, its two events, one consumer group (and a Lambda route). */
export function manifestTemplate({ name, lambda }: TemplateOptions): string {
  const lambdaBlock = lambda
    ? `
lambda:                                          # for routes with backend: lambda, and karafka deploy
  region: \${AWS_REGION:-us-east-1}
  role: \${LAMBDA_ROLE_ARN:-}                     # the functions' execution role (karafka deploy needs it)
`
    : ''
  const lambdaGroup = lambda
    ? `  ${name}-mailer:                                # a second group: every users event again, on Lambda
    topics:
      users:
        handler: handlers/welcome-mailer.ts
        backend: lambda                          # the Lambda function ${name}-mailer-users
`
    : ''
  return `# yaml-language-server: $schema=node_modules/karafka-ts/schema/karafka.schema.json
#
# ${name}: the topics, their typed events, and which handler consumes which topic.
# After a change run \`npx karafka codegen\` (karafka dev does it for you).
app:
  clientId: ${name}
  brokers: \${KAFKA_BROKERS:-127.0.0.1:9092}
${lambdaBlock}
topics:
  # Compacted: the latest event of each user is kept; a tombstone (a null value) deletes the user.
  users:
    partitions: 3
    config: { cleanup.policy: compact }
    key: id                                      # one user's events share a partition and stay in order
    events:
      user_created: { id: integer, email: string, name?: string }
      user_deleted: { id: integer }

consumerGroups:
  ${name}:
    topics:
      users:
        handler: handlers/users.ts
${lambdaGroup}`
}

/** A first test of the users handler with karafka-ts/testing: no broker needed. */
export function handlerTestTemplate({ name }: TemplateOptions): string {
  return `import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createTestHarness } from 'karafka-ts/testing'

// Runs the users handler on typed messages, as the poller would, without a broker.
test('the users handler logs every new user', async () => {
  const t = createTestHarness()
  const consumer = await t.consumerFor('${name}', 'users')
  t.produce('users', 'user_created', { id: 1, email: 'jane@example.com', name: 'Jane' })
  const { error, logs } = await consumer.consume()
  assert.equal(error, undefined)
  assert.match(logs.map((log) => log.message).join('\\n'), /jane@example\\.com/)
})
`
}

/** A tsconfig.json for an app whose TypeScript Node runs without a build step. */
export const TSCONFIG_TEMPLATE = `{
  "compilerOptions": {
    "target": "es2023",
    "module": "nodenext",
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "exactOptionalPropertyTypes": true,
    "verbatimModuleSyntax": true,
    "erasableSyntaxOnly": true,
    "skipLibCheck": true,
    "noEmit": true,
    "types": ["node"]
  }
}
`

/** The package scripts init adds where the name is free. */
export const SCRIPTS: Record<string, string> = {
  codegen: 'karafka codegen',
  dev: 'karafka dev',
  server: 'karafka server',
  pretest: 'karafka codegen',
  test: 'node --import karafka-ts/register --test test/*.test.ts',
}

/** What a karafka-ts app keeps out of git: generated code, Lambda bundles, the dev broker's data. */
export const GITIGNORE_ENTRIES = ['node_modules/', 'generated/', 'dist/', '.karafka/']
