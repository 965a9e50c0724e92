import assert from 'node:assert/strict'
import path from 'node:path'
import { it } from 'node:test'
import { banner } from '../../../src/cli/info.js'
import { parseManifest } from '../../../src/manifest/index.js'

it('karafka info shows who polls each lambda route', () => {
  const manifest = parseManifest(
    `app: { clientId: shop, brokers: "b-1:9092,b-2:9092" }
lambda:
  region: us-east-1
  functionPrefix: shop-
  eventSource: { mskCluster: "arn:aws:kafka:us-east-1:123456789012:cluster/shop/abc-1" }
topics:
  users:
    events:
      user_created: { id: integer }
consumerGroups:
  shop:
    topics:
      users: { handler: handlers/users.ts, backend: lambda }
  mailer:
    topics:
      users: { handler: handlers/mail.ts, backend: lambda, poller: aws, aws: { consumerGroupId: mails, pollers: { max: 4 } } }
`,
    'karafka.yml',
    path.resolve('karafka.yml'),
    {},
  )
  const text = banner(manifest)
  assert.match(
    text,
    /users -> handlers\/users\.ts \(lambda shop-shop-users:live\)\n {4}polled by karafka server, which invokes the function\n/,
  )
  assert.match(
    text,
    /users -> handlers\/mail\.ts \(lambda shop-mailer-users:live\)\n {4}polled by AWS's event source mapping \(karafka server leaves it alone\): consumer group mails, 1 to 4 provisioned pollers, Amazon MSK arn:aws:kafka:us-east-1:123456789012:cluster\/shop\/abc-1\n/,
  )
})
