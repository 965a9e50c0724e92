import assert from 'node:assert/strict'
import path from 'node:path'
import { it } from 'node:test'
import { eventSourceMapping } from '../../../src/lambda/event-source-mapping.js'
import { parseManifest } from '../../../src/manifest/index.js'

const NOW = new Date('2026-06-01T00:00:00Z')

/** A manifest with one route AWS polls, `route` and `app`/`lambda` lines spliced in. */
function manifestOf({ app = '', lambda = '', route = '' }: { app?: string; lambda?: string; route?: string }) {
  const text = `app:
  clientId: shop
  brokers: "b-1.example.com:9092,b-2.example.com:9092"
${app}lambda:
  region: eu-west-1
${lambda}topics:
  orders:
    partitions: 6
    events:
      order_completed: { orderId: string }
consumerGroups:
  billing:
    topics:
      orders:
        handler: handlers/orders.ts
        backend: lambda
        poller: aws
${route}`
  return parseManifest(text, 'karafka.yml', path.resolve('karafka.yml'), {})
}

const mappingOf = (parts: Parameters<typeof manifestOf>[0]) => {
  const manifest = manifestOf(parts)
  return eventSourceMapping(manifest, manifest.routes[0]!, NOW)
}

it("carries every route setting over to the mapping's field", () => {
  const { properties } = mappingOf({
    route: `        batch: { maxSize: 500, maxWaitMs: 2000 }
        startFrom: 2026-01-31T10:00:00.750Z
        retry: { attempts: 4 }
        deadLetter: orders.dlq
        aws: { consumerGroupId: billing-orders, pollers: { min: 2, max: 6 } }
`,
  })
  assert.deepEqual(properties, {
    Topics: ['orders'],
    StartingPosition: 'AT_TIMESTAMP',
    StartingPositionTimestamp: Date.parse('2026-01-31T10:00:00Z') / 1000,
    BatchSize: 500,
    MaximumBatchingWindowInSeconds: 2,
    MaximumRetryAttempts: 3,
    MaximumRecordAgeInSeconds: -1,
    BisectBatchOnFunctionError: true,
    FunctionResponseTypes: ['ReportBatchItemFailures'],
    DestinationConfig: { OnFailure: { Destination: 'kafka://orders.dlq' } },
    ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 6 },
    SelfManagedEventSource: { Endpoints: { KafkaBootstrapServers: ['b-1.example.com:9092', 'b-2.example.com:9092'] } },
    SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: 'billing-orders' },
  })
})

it('defaults: from the earliest record, the group as consumer group, never skipping without a dead-letter topic', () => {
  const { properties, warnings } = mappingOf({})
  assert.equal(properties.StartingPosition, 'TRIM_HORIZON')
  assert.equal(properties.StartingPositionTimestamp, undefined)
  assert.deepEqual(properties.SelfManagedKafkaEventSourceConfig, { ConsumerGroupId: 'billing' })
  assert.equal(properties.MaximumRetryAttempts, -1)
  assert.equal(properties.MaximumRecordAgeInSeconds, -1)
  assert.equal(properties.DestinationConfig, undefined)
  assert.deepEqual(properties.ProvisionedPollerConfig, { MinimumPollers: 1, MaximumPollers: 200 })
  assert.equal(properties.MaximumBatchingWindowInSeconds, 0)
  assert.equal(mappingOf({ route: '        startFrom: latest\n' }).properties.StartingPosition, 'LATEST')
  assert.deepEqual(
    warnings.map((w) => w.replace(/:.*/, '')),
    ['billing/orders', 'billing/orders'],
  )
  assert.match(warnings[0]!, /batch\.maxWaitMs 50 becomes MaximumBatchingWindowInSeconds 0/)
  assert.match(warnings[1]!, /retry\.backoffMs 1000 doubling to maxBackoffMs 30000 is not honoured.*for ever \(MaximumRetryAttempts -1\)/)
})

it('warns of what AWS cannot honour: backoff, virtual partitions, dead-letter headers, session settings, a start in the future', () => {
  const manifest = manifestOf({
    route: `        batch: { maxWaitMs: 1000 }
        startFrom: 2027-01-01T00:00:00Z
        deadLetter: orders.dlq
        virtualPartitions: { max: 4 }
`,
  })
  const { warnings } = eventSourceMapping(manifest, manifest.routes[0]!, NOW)
  assert.equal(warnings.length, 4)
  assert.match(warnings[0]!, /retry\.attempts 3 carries over \(MaximumRetryAttempts 2\)/)
  assert.match(warnings[1]!, /every record the function's answer names \(the first that failed and all after it in that partition's batch/)
  assert.match(
    warnings[1]!,
    /goes to orders\.dlq as AWS writes it .* not as the poller's dead letter of the one failed message, with source_topic/,
  )
  assert.doesNotMatch(warnings[1]!, /original key/, "AWS's documentation does not say which key it writes under")
  assert.match(warnings[2]!, /virtualPartitions is not honoured/)
  assert.match(warnings[3]!, /startFrom 2027-01-01T00:00:00Z is in the future/)
  const sessions = parseManifest(`${manifestText()}    sessionTimeoutMs: 10000\n`, 'karafka.yml', path.resolve('karafka.yml'), {})
  assert.match(
    eventSourceMapping(sessions, sessions.routes[0]!, NOW).warnings.join('\n'),
    /sessionTimeoutMs and heartbeatIntervalMs are not honoured/,
  )
})

it("warns of what the mapping has no setting for: the isolation level, the shutdown timeout, skipping the brokers' certificate check", () => {
  const { warnings } = mappingOf({ app: '  ssl: { rejectUnauthorized: false }\n  shutdownTimeoutMs: 5000\n' })
  const isolation = parseManifest(`${manifestText()}    isolationLevel: read_uncommitted\n`, 'karafka.yml', path.resolve('karafka.yml'), {})
  const all = [...warnings, ...eventSourceMapping(isolation, isolation.routes[0]!, NOW).warnings].join('\n')
  assert.match(
    all,
    /billing\/orders: consumerGroups\.billing\.isolationLevel read_uncommitted is not given to AWS's mapping: it has no such setting, and AWS's documentation does not say/,
  )
  assert.match(all, /app\.shutdownTimeoutMs 5000 is not honoured: karafka server does not poll this route/)
  assert.match(
    all,
    /app\.ssl\.rejectUnauthorized false is not honoured: AWS's mapping always verifies the brokers' certificates \(against the CAs it trusts, or the root CA of lambda\.eventSource\.caSecret\)/,
  )
  // The defaults say nothing of these.
  assert.doesNotMatch(
    mappingOf({
      app: '  ssl: { ca: "-----BEGIN CERTIFICATE-----" }\n',
      lambda: '  eventSource: { caSecret: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-ca" }\n',
    }).warnings.join('\n'),
    /isolationLevel|shutdownTimeoutMs|rejectUnauthorized/,
  )
})

it('warns when nothing tells AWS to use TLS, and of SASL without TLS, which AWS never signs in with', () => {
  const auth = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-auth'
  const ca = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-ca'
  const warned = (app: string, lambda = '') => mappingOf({ app, lambda }).warnings.join('\n')
  assert.match(warned('  ssl: true\n'), /app\.ssl without sign-in or a private CA gives AWS's mapping no setting that says TLS/)
  assert.doesNotMatch(
    warned('  ssl: true\n  sasl: { mechanism: scram-sha-512, username: u, password: p }\n', `  eventSource: { authSecret: "${auth}" }\n`),
    /no setting that says TLS/,
    'SASL is SASL_SSL for AWS',
  )
  assert.doesNotMatch(
    warned('  ssl: { ca: "-----BEGIN CERTIFICATE-----" }\n', `  eventSource: { caSecret: "${ca}" }\n`),
    /no setting that says TLS/,
    'a root CA is for TLS',
  )
  assert.match(
    warned('  sasl: { mechanism: plain, username: u, password: p }\n', `  eventSource: { authSecret: "${auth}" }\n`),
    /app\.sasl without app\.ssl: AWS's mapping signs in with SASL over TLS only \(SASL_SSL, never SASL_PLAINTEXT\)/,
  )
  const msk = `  eventSource: { mskCluster: "arn:aws:kafka:eu-west-1:123456789012:cluster/shop/abc-1" }\n`
  const iam = warned('  ssl: { rejectUnauthorized: false }\n  sasl: { mechanism: oauthbearer, provider: aws-msk-iam }\n', msk)
  assert.doesNotMatch(iam, /no setting that says TLS/, 'MSK: AWS finds the brokers for its sign-in from the cluster')
  assert.match(iam, /always verifies the brokers' certificates \(against the CAs it trusts\) and has no setting/)
})

it('Amazon MSK: the cluster ARN and its consumer group config; sign-in from the app block', () => {
  const cluster = 'arn:aws:kafka:eu-west-1:123456789012:cluster/shop/abc-1'
  const secret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_shop'
  const iam = mappingOf({
    app: '  ssl: true\n  sasl: { mechanism: oauthbearer, provider: aws-msk-iam }\n',
    lambda: `  eventSource: { mskCluster: "${cluster}" }\n`,
  }).properties
  assert.equal(iam.EventSourceArn, cluster)
  assert.deepEqual(iam.AmazonManagedKafkaEventSourceConfig, { ConsumerGroupId: 'billing' })
  assert.equal(iam.SelfManagedEventSource, undefined)
  assert.equal(iam.SourceAccessConfigurations, undefined, 'MSK IAM signs in with the function role')
  const scram = mappingOf({
    app: '  ssl: true\n  sasl: { mechanism: scram-sha-512, username: u, password: p }\n',
    lambda: `  eventSource: { mskCluster: "${cluster}", authSecret: "${secret}" }\n`,
  }).properties
  assert.deepEqual(scram.SourceAccessConfigurations, [{ Type: 'SASL_SCRAM_512_AUTH', URI: secret }])
})

it('self-managed: SASL PLAIN and SCRAM, client certificates and a private CA each take their secret', () => {
  const auth = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-auth'
  const ca = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-ca'
  const pem = '"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----"'
  const access = (app: string) =>
    mappingOf({ app, lambda: `  eventSource: { authSecret: "${auth}", caSecret: "${ca}" }\n` }).properties.SourceAccessConfigurations
  assert.deepEqual(access('  sasl: { mechanism: plain, username: u, password: p }\n'), [{ Type: 'BASIC_AUTH', URI: auth }])
  assert.deepEqual(access(`  ssl: { ca: ${pem} }\n  sasl: { mechanism: scram-sha-256, username: u, password: p }\n`), [
    { Type: 'SASL_SCRAM_256_AUTH', URI: auth },
    { Type: 'SERVER_ROOT_CA_CERTIFICATE', URI: ca },
  ])
  assert.deepEqual(access(`  ssl: { cert: ${pem}, key: ${pem.replaceAll('CERTIFICATE', 'PRIVATE KEY')} }\n`), [
    { Type: 'CLIENT_CERTIFICATE_TLS_AUTH', URI: auth },
  ])
  assert.equal(access(''), undefined, 'an open cluster needs none')
})

/** The manifest of manifestOf({}) as text, for settings beyond a route. */
function manifestText(): string {
  return `app: { clientId: shop, brokers: "b-1.example.com:9092" }
lambda: { region: eu-west-1 }
topics:
  orders:
    events:
      order_completed: { orderId: string }
consumerGroups:
  billing:
    topics:
      orders: { handler: handlers/orders.ts, backend: lambda, poller: aws }
`
}
