import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../src/broker/index.js'
import { karafka } from '../helpers/cli.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const bad = path.join(root, 'test/fixtures/manifests/bad')

// Every command of DESIGN.md section 8.
const DESIGNED = [
  'init',
  'codegen',
  'info',
  'server',
  'dev',
  'broker start',
  'broker stop',
  'broker status',
  'topics plan',
  'topics migrate',
  'topics list',
  'topics reset',
  'lag',
  'produce',
  'build',
  'deploy',
  'lambda serve',
]

describe('karafka CLI', () => {
  it('--help lists every designed command', async () => {
    const { code, stdout } = await karafka(['--help'], { cwd: root })
    assert.equal(code, 0)
    for (const command of DESIGNED) assert.match(stdout, new RegExp(`^  ${command}\\b`, 'm'), `${command} missing from --help`)
  })

  it('every command has --help', async () => {
    const { code, stdout } = await karafka(['topics', 'reset', '--help'], { cwd: root })
    assert.equal(code, 0)
    assert.match(stdout, /Usage: karafka topics reset <group> <topic>/)
    assert.match(stdout, /--manifest/)
  })

  it('info prints the banner of the example app', async () => {
    const { code, stdout } = await karafka(['info'], { cwd: root, env: { KAFKA_BROKERS: 'kafka-a:9092,kafka-b:9092' } })
    assert.equal(code, 0)
    assert.match(stdout, /karafka-ts · karafka_example/)
    assert.match(stdout, /brokers +kafka-a:9092, kafka-b:9092/)
    assert.match(stdout, /users -> handlers\/users\.ts \(local\)/)
    assert.match(stdout, /retry 5 attempts, backoff 200 ms doubling to 30000 ms, then dead letter to orders\.dlq/)
    assert.match(stdout, /users: 3 partitions, replication 1, key id, cleanup\.policy=compact/)
  })

  it('info --json never shows a secret', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'karafka-info-'))
    after(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(
      path.join(dir, 'karafka.yml'),
      'app:\n  clientId: a\n  brokers: k:9092\n  sasl: { mechanism: plain, username: u, password: "${KAFKA_PASSWORD}" }\ntopics: {}\n',
    )
    for (const args of [['info'], ['info', '--json']]) {
      const { code, stdout } = await karafka([...args, '--manifest', path.join(dir, 'karafka.yml')], {
        env: { KAFKA_PASSWORD: 'canary-8d1f' },
      })
      assert.equal(code, 0)
      assert.doesNotMatch(stdout, /canary-8d1f/)
    }
  })

  it('a bad manifest exits 2 with every problem located, and no stack', async () => {
    const { code, stdout, stderr } = await karafka(['info', '--manifest', path.join(bad, 'many-problems.yml')], {
      cwd: bad,
      env: { BROKERS: '' },
    })
    assert.equal(code, 2)
    assert.equal(stdout, '')
    assert.match(stderr, /^many-problems\.yml:6:17 topics\.orders\.partitions: must be at least 1$/m)
    assert.match(stderr, /has \d+ problems$/m)
    assert.doesNotMatch(stderr, / {4}at /)
  })

  it('bad arguments exit 2', async () => {
    assert.equal((await karafka(['bogus'], { cwd: root })).code, 2)
    assert.equal((await karafka(['info', '--nope'], { cwd: root })).code, 2)
    assert.equal((await karafka(['broker', 'start', '--port', 'x'], { cwd: root })).code, 2)
    assert.equal((await karafka(['init', '--lamda'], { cwd: root })).code, 2)
  })

  it('broker start, status and stop manage a real broker of the project', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'karafka-broker-'))
    const manifest = ['--manifest', path.join(dir, 'karafka.yml')]
    after(async () => {
      await karafka(['broker', 'stop', ...manifest])
      rmSync(dir, { recursive: true, force: true })
    })
    const port = await freePort()
    const start = await karafka(['broker', 'start', '--port', String(port), ...manifest])
    assert.equal(start.code, 0, start.stderr)
    assert.match(start.stdout, new RegExp(`running at 127\\.0\\.0\\.1:${port} \\(pid \\d+\\), ready in`))
    const status = await karafka(['broker', 'status', ...manifest])
    assert.equal(status.code, 0)
    assert.match(status.stdout, new RegExp(`running at 127\\.0\\.0\\.1:${port}`))
    const again = await karafka(['broker', 'start', ...manifest])
    assert.match(again.stdout, /already running/)
    const stop = await karafka(['broker', 'stop', ...manifest])
    assert.equal(stop.code, 0)
    assert.match(stop.stdout, /stopped/)
    const gone = await karafka(['broker', 'status', ...manifest])
    assert.equal(gone.code, 1)
    assert.match(gone.stdout, /not running/)
  })
})

it('without Java, broker start says what to install and exits 1', async () => {
  const { code, stderr } = await karafka(['broker', 'start', '--port', '19999', '--manifest', '/tmp/karafka-no-java/karafka.yml'], {
    env: { PATH: '/nonexistent' },
  })
  assert.equal(code, 1)
  assert.match(stderr, /Java was not found: the dev broker runs on Java 17 or newer\n {2}hint: install a JDK 17\+/)
})
