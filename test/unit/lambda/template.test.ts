import assert from 'node:assert/strict'
import { cpSync, existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { parse } from 'yaml'
import { runCodegen } from '../../../generator/main.js'
import { samTemplate } from '../../../src/lambda/template.js'
import { loadManifest, parseManifest } from '../../../src/manifest/index.js'
import { karafka, karafkaInProcess } from '../../helpers/cli.js'
import { exec } from '../../helpers/exec.js'
import { REPO, tempProject } from '../../helpers/project.js'

interface LintProblem {
  Filename: string
  Level: string
  Message: string
  Rule: { Id: string }
}

/**
 * cfn-lint (`pip install cfn-lint`) on templates: AWS's own CloudFormation resource schemas,
 * offline, with the SAM transform run as CloudFormation would. Returns every problem found.
 */
async function cfnLint(files: string[]): Promise<LintProblem[]> {
  const run = await exec('python3', ['-c', 'import sys; from cfnlint.runner import main; sys.exit(main())', '--format', 'json', ...files], {
    cwd: REPO,
    env: process.env, // the python3 that .ci/run installs cfn-lint into: the first on PATH
  })
  if (/No module named/.test(run.stderr)) assert.fail(`cfn-lint is not installed (pip install cfn-lint): ${run.stderr}`)
  return JSON.parse(run.stdout || '[]') as LintProblem[]
}

const CLUSTER = 'arn:aws:kafka:eu-west-1:123456789012:cluster/shop/e9f754c6-d29a-4430-a7db-958a19fd2c54-4'
const SECRET = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}`
const PEM = '"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----"'

/** Manifests of other clusters: MSK with IAM, self-managed with SCRAM and a private CA, with a client certificate. */
const VARIANTS: Record<string, { app: string; eventSource: string }> = {
  'msk-iam': {
    app: 'ssl: true\n  sasl: { mechanism: oauthbearer, provider: aws-msk-iam }',
    eventSource: `{ mskCluster: "${CLUSTER}" }`,
  },
  'self-managed-scram': {
    app: `ssl: { ca: ${PEM} }\n  sasl: { mechanism: scram-sha-512, username: shop, password: "\${KAFKA_PASSWORD:-x}" }`,
    eventSource: `{ authSecret: "${SECRET('kafka-login')}", caSecret: "${SECRET('kafka-ca')}" }`,
  },
  'self-managed-mtls': {
    app: `ssl: { cert: ${PEM}, key: ${PEM.replaceAll('CERTIFICATE', 'PRIVATE KEY')} }`,
    eventSource: `{ authSecret: "${SECRET('kafka-client-cert')}" }`,
  },
}

const variant = ({ app, eventSource }: { app: string; eventSource: string }) => `app:
  clientId: shop
  brokers: "b-1.shop.example.com:9096,b-2.shop.example.com:9096"
  ${app}
lambda:
  region: eu-west-1
  functionPrefix: shop-
  secrets: "${SECRET('shop-env')}"
  eventSource: ${eventSource}
topics:
  orders:
    partitions: 6
    key: customerId
    events:
      order_completed: { orderId: string, customerId: string }
consumerGroups:
  billing:
    topics:
      orders:
        handler: handlers/orders.ts
        backend: lambda
        poller: aws
        startFrom: 2026-01-31T00:00:00Z
        retry: { attempts: 4 }
        deadLetter: orders.dlq
        aws: { consumerGroupId: billing-orders, pollers: { min: 1, max: 4 } }
  reports:
    topics:
      orders: { handler: handlers/reports.ts, backend: lambda }
`

describe('karafka deploy --template sam', () => {
  // The example app, copied so that its build output stays out of the repository's dist/.
  const app = tempProject({})
  after(() => app.remove())
  cpSync(path.join(REPO, 'karafka.yml'), path.join(app.dir, 'karafka.yml'))
  cpSync(path.join(REPO, 'handlers'), path.join(app.dir, 'handlers'), { recursive: true })
  runCodegen({ manifestPath: path.join(app.dir, 'karafka.yml'), cwd: app.dir, env: {} })
  const out = path.join(app.dir, 'dist', 'template.yaml')
  const deploy = () => karafkaInProcess(['deploy', '--template', 'sam', '--manifest', path.join(app.dir, 'karafka.yml'), '--out', out])

  it("writes the example app's template: functions from the build's zips, versions and aliases, roles, the mapping of the route AWS polls", async () => {
    const result = await deploy()
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /ExampleMailerUsersEventSourceMapping +AWS::Lambda::EventSourceMapping/)
    assert.match(
      result.stdout,
      /sam deploy --template-file .*template\.yaml --stack-name karafka-example --capabilities CAPABILITY_IAM --resolve-s3 --region [a-z0-9-]+\n/,
    )
    assert.match(result.stderr, /warning: example_mailer\/users: retry\.backoffMs 1000 doubling to maxBackoffMs 30000 is not honoured/)
    const text = readFileSync(out, 'utf8')
    const template = parse(text) as { Transform: string; Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> }
    assert.equal(template.Transform, 'AWS::Serverless-2016-10-31')
    assert.deepEqual(
      Object.entries(template.Resources).map(([id, r]) => `${id} ${r.Type}`),
      [
        'ExampleOrdersRole AWS::IAM::Role',
        'ExampleOrdersFunction AWS::Serverless::Function',
        'ExampleMailerUsersRole AWS::IAM::Role',
        'ExampleMailerUsersFunction AWS::Serverless::Function',
        'ExampleMailerUsersEventSourceMapping AWS::Lambda::EventSourceMapping',
      ],
      'the orders route is polled by karafka server: no mapping for it',
    )
    const fn = template.Resources.ExampleMailerUsersFunction!.Properties
    assert.equal(fn.FunctionName, 'karafka-example-example_mailer-users')
    assert.equal(fn.AutoPublishAlias, 'live')
    assert.ok(existsSync(path.resolve(path.dirname(out), fn.CodeUri as string)), 'CodeUri is the zip karafka build made')
    assert.deepEqual(template.Resources.ExampleMailerUsersEventSourceMapping!.Properties, {
      FunctionName: { Ref: 'ExampleMailerUsersFunction.Alias' },
      Topics: ['users'],
      StartingPosition: 'LATEST',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 0,
      MaximumRetryAttempts: 2,
      MaximumRecordAgeInSeconds: -1,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: 'kafka://users.welcome.dlq' } },
      ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 3 },
      SelfManagedEventSource: { Endpoints: { KafkaBootstrapServers: loadManifest(path.join(app.dir, 'karafka.yml')).app.brokers } },
      SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: 'example_mailer' },
    })
    const again = await deploy()
    assert.equal(again.code, 0, again.stderr)
    assert.equal(readFileSync(out, 'utf8'), text, 'the same manifest and zips give the same template')
  })

  it('the templates pass cfn-lint, SAM transform included; a mapping out of bounds does not', async () => {
    const files = [out]
    for (const [name, spec] of Object.entries(VARIANTS)) {
      const manifest = parseManifest(variant(spec), 'karafka.yml', path.join(app.dir, `${name}.yml`), {})
      const functions = manifest.routes.map((route) => ({
        route,
        functionName: route.functionName!,
        zip: path.join(app.dir, 'dist', 'lambda', `${route.functionName}.zip`),
      }))
      files.push(app.write(`dist/${name}.yaml`, samTemplate(manifest, functions, path.join(app.dir, 'dist')).text))
    }
    const broken = app.write(
      'dist/broken.yaml',
      readFileSync(out, 'utf8').replace('MaximumPollers: 3', 'MaximumPollers: 5000').replace('kafka://users.welcome.dlq', 'kafka://dlq'),
    )
    const problems = await cfnLint([...files, broken])
    assert.deepEqual(
      problems.filter((p) => p.Filename !== broken),
      [],
    )
    assert.deepEqual(problems.map((p) => `${p.Rule.Id} ${p.Message}`).sort(), [
      "E3033 'kafka://dlq' is shorter than 12",
      'E3034 5000 is greater than the maximum of 2000',
    ])
  })

  it('--template takes sam; --out needs --template', async () => {
    const other = await karafka(['deploy', '--template', 'cdk', '--manifest', path.join(app.dir, 'karafka.yml')])
    assert.equal(other.code, 2)
    assert.match(other.stderr, /--template cdk is not a template karafka writes/)
    const out = await karafka(['deploy', '--out', 'x.yaml', '--manifest', path.join(app.dir, 'karafka.yml')])
    assert.equal(out.code, 2)
    assert.match(out.stderr, /--out goes with --template/)
  })
})
