import assert from 'node:assert/strict'
import path from 'node:path'
import { it } from 'node:test'
import { functionPolicy } from '../../../src/lambda/iam.js'
import { parseManifest } from '../../../src/manifest/index.js'

const CLUSTER = 'arn:aws:kafka:eu-west-1:123456789012:cluster/shop/abc-1'

function policyOf(app: string, lambda: string, poller: 'karafka' | 'aws') {
  const manifest = parseManifest(
    `app:
  clientId: shop
  brokers: b-1.example.com:9098
${app}lambda:
  region: eu-west-1
${lambda}topics:
  orders:
    events:
      order_completed: { orderId: string }
  invoices:
    events:
      invoice_issued: { invoiceId: string }
consumerGroups:
  billing:
    topics:
      orders: { handler: handlers/orders.ts, backend: lambda, poller: ${poller}, deadLetter: orders.dlq }
`,
    'karafka.yml',
    path.resolve('karafka.yml'),
    {},
  )
  return functionPolicy(manifest, manifest.routes[0]!)
}

const actions = (statements: ReturnType<typeof policyOf>) => Object.fromEntries(statements.map((s) => [s.Sid, s.Action]))

it('an open self-managed cluster: the function writes its own log group, and nothing more', () => {
  const statements = policyOf('', '', 'aws')
  assert.deepEqual(statements, [
    {
      Sid: 'Logs',
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/billing-orders:*' }],
    },
  ])
})

it('the secrets AWS reads to sign in are readable only by the functions of routes AWS polls', () => {
  const secret = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}`
  const lambda = `  secrets: "${secret('env')}"\n  eventSource: { authSecret: "${secret('login')}" }\n`
  const app = '  sasl: { mechanism: scram-sha-512, username: u, password: p }\n'
  assert.deepEqual(policyOf(app, lambda, 'aws').find((s) => s.Sid === 'Secrets')?.Resource, [secret('env'), secret('login')])
  assert.deepEqual(policyOf(app, lambda, 'karafka').find((s) => s.Sid === 'Secrets')?.Resource, [secret('env')])
})

it('MSK with IAM: the cluster, writing the manifest topics and the dead-letter topic, reading its topic as its group', () => {
  const statements = policyOf(
    '  ssl: true\n  sasl: { mechanism: oauthbearer, provider: aws-msk-iam }\n',
    `  eventSource: { mskCluster: "${CLUSTER}" }\n`,
    'aws',
  )
  assert.deepEqual(Object.keys(actions(statements)), [
    'Logs',
    'MskCluster',
    'MskNetwork',
    'KafkaCluster',
    'KafkaWrite',
    'KafkaRead',
    'KafkaGroup',
  ])
  const resources = Object.fromEntries(statements.map((s) => [s.Sid, s.Resource]))
  assert.deepEqual(resources.MskCluster, [CLUSTER])
  assert.equal(resources.MskNetwork, '*', "EC2's network interface actions take no resource")
  assert.deepEqual(resources.KafkaWrite, [
    'arn:aws:kafka:eu-west-1:123456789012:topic/shop/abc-1/orders',
    'arn:aws:kafka:eu-west-1:123456789012:topic/shop/abc-1/invoices',
    'arn:aws:kafka:eu-west-1:123456789012:topic/shop/abc-1/orders.dlq',
  ])
  assert.deepEqual(resources.KafkaRead, ['arn:aws:kafka:eu-west-1:123456789012:topic/shop/abc-1/orders'])
  assert.deepEqual(resources.KafkaGroup, ['arn:aws:kafka:eu-west-1:123456789012:group/shop/abc-1/billing'])
  assert.deepEqual(actions(statements).KafkaGroup, ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'])
})

it('a function karafka server invokes, on MSK IAM without the cluster named: writes only, on the manifest topics of any cluster', () => {
  const statements = policyOf('  ssl: true\n  sasl: { mechanism: oauthbearer, provider: aws-msk-iam }\n', '', 'karafka')
  assert.deepEqual(Object.keys(actions(statements)), ['Logs', 'KafkaCluster', 'KafkaWrite'])
  assert.deepEqual(statements.find((s) => s.Sid === 'KafkaWrite')?.Resource, [
    { 'Fn::Sub': 'arn:${AWS::Partition}:kafka:${AWS::Region}:${AWS::AccountId}:topic/*/*/orders' },
    { 'Fn::Sub': 'arn:${AWS::Partition}:kafka:${AWS::Region}:${AWS::AccountId}:topic/*/*/invoices' },
    { 'Fn::Sub': 'arn:${AWS::Partition}:kafka:${AWS::Region}:${AWS::AccountId}:topic/*/*/orders.dlq' },
  ])
})
