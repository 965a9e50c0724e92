import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { after, it } from 'node:test'
import { runCodegen } from '../../generator/main.js'
import { waitFor } from '../helpers/app.js'
import { BIN, karafka } from '../helpers/cli.js'
import { uniqueName } from '../helpers/kafka.js'
import { tempProject } from '../helpers/project.js'

it('karafka dev regenerates stale code, migrates the topics, serves lambda routes locally and runs the server until SIGTERM', async () => {
  const [users, orders, group] = [uniqueName('users'), uniqueName('orders'), uniqueName('dev')]
  const project = tempProject({
    'karafka.yml': `app:
  clientId: dev-test
  brokers: \${KAFKA_BROKERS}
lambda: { region: us-east-1, functionPrefix: dev- }
topics:
  ${users}:
    key: id
    events:
      user_created: { id: integer }
  ${orders}:
    key: id
    events:
      order_placed: { id: integer }
consumerGroups:
  ${group}:
    topics:
      ${users}: { handler: handlers/users.ts }
      ${orders}: { handler: handlers/orders.ts, backend: lambda }
`,
    'handlers/users.ts': `import { defineConsumer } from '../generated/karafka.js'\nexport default defineConsumer('${group}', '${users}', async (messages, ctx) => { for (const m of messages) ctx.logger.info('user seen ' + JSON.stringify(m.payload)) })\n`,
    'handlers/orders.ts': `import { defineConsumer } from '../generated/karafka.js'\nexport default defineConsumer('${group}', '${orders}', async (messages) => { for (const m of messages) console.log('order seen in pid ' + process.pid + ' ' + JSON.stringify(m.payload)) })\n`,
  })
  after(() => project.remove())
  runCodegen({ manifestPath: path.join(project.dir, 'karafka.yml'), cwd: project.dir })
  // The manifest moves on after codegen: dev regenerates by itself instead of running stale code.
  project.write(
    'karafka.yml',
    readFileSync(path.join(project.dir, 'karafka.yml'), 'utf8').replace(
      'user_created: { id: integer }',
      'user_created: { id: integer }\n      user_renamed: { id: integer }',
    ),
  )
  const manifest = ['--manifest', path.join(project.dir, 'karafka.yml')]
  const { AWS_ENDPOINT_URL_LAMBDA: _endpoint, ...env } = process.env
  const dev = spawn(process.execPath, [BIN, 'dev', ...manifest], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  dev.stdout.on('data', (chunk: Buffer) => (output += chunk))
  dev.stderr.on('data', (chunk: Buffer) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => dev.on('exit', resolve))
  try {
    await waitFor('the server to run', () => /Running karafka-ts server/.test(output), 60_000)
    assert.match(output, /codegen: wrote .*generated\/karafka\.ts/)
    assert.match(output, new RegExp(`topics: ${users} create`))
    assert.match(output, /lambda routes run through the local Invoke API at http:\/\/127\.0\.0\.1:\d+/)
    assert.equal((await karafka(['produce', users, 'user_created', '{"id":1}', ...manifest])).code, 0)
    assert.equal((await karafka(['produce', orders, 'order_placed', '{"id":2}', ...manifest])).code, 0)
    await waitFor('both handlers', () => /user seen \{"id":1\}/.test(output) && /order seen in pid \d+ \{"id":2\}/.test(output), 60_000)
    assert.doesNotMatch(output, new RegExp(`order seen in pid ${dev.pid} `), 'the lambda route ran in its own process')
  } finally {
    dev.kill('SIGTERM')
  }
  assert.equal(await exited, 0, output)
})
