import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { createTestApp, jobsManifest, type TestApp, waitFor } from '../../helpers/app.js'
import { BIN } from '../../helpers/cli.js'
import { testKafka, uniqueName } from '../../helpers/kafka.js'

// A handler that logs "start"/"end" lines to a file around a 3 s pause that ignores ctx.signal.
const SLOW_HANDLER = (group: string, topic: string) => `import { appendFileSync } from 'node:fs'
import { defineConsumer } from '../generated/karafka.js'
export default defineConsumer('${group}', '${topic}', async (messages) => {
  const log = new URL('../handled.log', import.meta.url)
  appendFileSync(log, messages.map((m) => 'start ' + m.offset + '\\n').join(''))
  await new Promise((resolve) => setTimeout(resolve, 3000))
  appendFileSync(log, messages.map((m) => 'end ' + m.offset + '\\n').join(''))
})
`

function startCli(app: TestApp): { child: ChildProcess; exited: Promise<number | null>; output: () => string } {
  const child = spawn(process.execPath, [BIN, 'server', '--manifest', path.join(app.dir, 'karafka.yml')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, exited, output: () => output }
}

const lines = (app: TestApp) => {
  const file = path.join(app.dir, 'handled.log')
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []
}

describe('shutdown on signals (karafka server, real broker)', () => {
  const apps: TestApp[] = []
  after(() => Promise.all(apps.map((a) => a.remove())))

  async function slowApp(name: string) {
    const [topic, group] = [uniqueName('jobs'), uniqueName('workers')]
    const app = await createTestApp(name, jobsManifest({ clientId: 'shutdown-test', topic, group, app: '  shutdownTimeoutMs: 20000\n' }), {
      'handlers/jobs.ts': SLOW_HANDLER(group, topic),
    })
    apps.push(app)
    return { app, topic, group }
  }

  it('SIGTERM during a slow handler lets it finish, commits, exits 0; a restart handles nothing twice', async () => {
    const { app, topic, group } = await slowApp('sigterm')
    for (let n = 0; n < 3; n++) await app.generated.responders[topic].job({ id: 'a', n })
    const server = startCli(app)
    await waitFor('the handler to start', () => lines(app).length > 0, 30_000)
    server.child.kill('SIGTERM')
    assert.equal(await server.exited, 0, server.output())
    const handled = lines(app)
    const started = handled.filter((l) => l.startsWith('start')).map((l) => l.split(' ')[1])
    assert.deepEqual(
      handled.filter((l) => l.startsWith('end')).map((l) => l.split(' ')[1]),
      started,
      'every started message finished',
    )
    assert.match(server.output(), /Stopping \(SIGTERM\)/)

    const admin = testKafka().admin()
    await admin.connect()
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
    await admin.disconnect()
    assert.equal(offsets!.partitions[0]!.offset, String(Number(started.at(-1)) + 1), 'the finished batch was committed before exit')

    const restarted = startCli(app)
    await waitFor('the restarted server to run', () => /Running karafka-ts server/.test(restarted.output()), 30_000)
    await waitFor('the rest to be handled', () => lines(app).filter((l) => l.startsWith('end')).length >= 3, 30_000)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    restarted.child.kill('SIGTERM')
    assert.equal(await restarted.exited, 0)
    const starts = lines(app).filter((l) => l.startsWith('start'))
    assert.deepEqual(starts.sort(), ['start 0', 'start 1', 'start 2'], 'each message handled once across the restart')
  })

  it('a second signal exits at once', async () => {
    const { app, topic } = await slowApp('twice')
    await app.generated.responders[topic].job({ id: 'a', n: 0 })
    const server = startCli(app)
    await waitFor('the handler to start', () => lines(app).length > 0, 30_000)
    server.child.kill('SIGTERM')
    await waitFor('the graceful stop to begin', () => /Stopping/.test(server.output()), 5_000)
    const sent = Date.now()
    server.child.kill('SIGINT')
    assert.equal(await server.exited, 1)
    assert.ok(Date.now() - sent < 1500, 'exited without waiting for the handler')
    assert.deepEqual(
      lines(app).filter((l) => l.startsWith('end')),
      [],
      'the handler was cut short',
    )
  })
})
