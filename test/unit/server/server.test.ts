import assert from 'node:assert/strict'
import path from 'node:path'
import { it } from 'node:test'
import { ArgumentsError } from '../../../src/errors/index.js'
import { parseManifest } from '../../../src/manifest/index.js'
import { selectRoutes } from '../../../src/server/server.js'

const manifest = (routes: string) =>
  parseManifest(
    `app: { clientId: shop, brokers: 127.0.0.1:9092 }
lambda: { region: us-east-1 }
topics:
  users:
    events:
      user_created: { id: integer }
consumerGroups:
${routes}`,
    'karafka.yml',
    path.resolve('karafka.yml'),
    {},
  )

const MIXED = `  shop:
    topics:
      users: { handler: handlers/users.ts }
  mailer:
    topics:
      users: { handler: handlers/mail.ts, backend: lambda, poller: aws }
`

it('karafka server leaves the routes AWS polls alone; karafka dev polls them too', () => {
  const routes = (options: Parameters<typeof selectRoutes>[1]) =>
    selectRoutes(manifest(MIXED), options).map((r) => `${r.group}/${r.topic} ${r.backend}`)
  assert.deepEqual(routes({}), ['shop/users local'])
  assert.deepEqual(routes({ backend: 'lambda' }), ['shop/users lambda'], '--backend does not change who polls')
  assert.deepEqual(routes({ pollAwsRoutes: true }), ['shop/users local', 'mailer/users lambda'])
})

it('a server with only routes AWS polls has nothing to consume, and says why', () => {
  assert.throws(
    () => selectRoutes(manifest(MIXED), { groups: ['mailer'] }),
    (error: Error) =>
      error instanceof ArgumentsError && /AWS's event source mapping polls every route \(mailer\/users\)/.test(error.message),
  )
})
