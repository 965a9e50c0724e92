// `npm test`: runs every test file (or the files and directories named) with node's test runner. When an
// integration or end-to-end test is among them and KAFKA_BROKERS is not set, it starts a
// fresh dev broker on a free port for the run and stops it at the end.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { freePort, portIsFree, startBroker, stopBroker } from '../src/broker/index.js'

function findTests(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const file = path.join(dir, name)
      if (statSync(file).isDirectory()) return name === 'fixtures' ? [] : findTests(file)
      return name.endsWith('.test.ts') ? [file] : []
    })
    .sort()
}

// Named files run as given; a named directory runs every test file under it.
const named = process.argv.slice(2)
const files = named.length > 0 ? named.flatMap((name) => (statSync(name).isDirectory() ? findTests(name) : [name])) : findTests('test')
const env = { ...process.env }
const home = path.resolve('.karafka/test-broker')
let ownsBroker = false

if (files.some((file) => /(^|\/)test\/(integration|e2e|reliability)\//.test(file)) && !env.KAFKA_BROKERS) {
  await stopBroker(home) // a broker left over by an interrupted run
  // Secured too (SASL_SSL on port + 1, mutual TLS on port + 2): the security tests connect there.
  const port = await freePorts(3)
  const broker = await startBroker({
    home,
    port,
    fresh: true,
    secure: true,
    onProgress: (text) => process.stderr.write(`test broker: ${text}\n`),
  })
  ownsBroker = true
  env.KAFKA_BROKERS = `127.0.0.1:${broker.port}`
  env.KARAFKA_TEST_SECURE_HOME = home
  process.stderr.write(
    `test broker: Apache Kafka ${broker.version} at ${env.KAFKA_BROKERS}, ready in ${(broker.startMs / 1000).toFixed(1)} s\n`,
  )
}

/** A port whose next `count - 1` ports are free too. */
async function freePorts(count: number): Promise<number> {
  for (;;) {
    const port = await freePort()
    if (port + count > 65_535) continue
    const next = await Promise.all(Array.from({ length: count - 1 }, (_, i) => portIsFree(port + 1 + i)))
    if (next.every(Boolean)) return port
  }
}

// A warning printed by anything the suite runs comes with the stack that raised it.
env.NODE_OPTIONS = [env.NODE_OPTIONS, '--trace-warnings'].filter(Boolean).join(' ')

// A canary secret for the whole run: the secrets tests feed it to manifests as passwords,
// secrets and tokens, and none of the suite's output may ever hold it.
env.KARAFKA_CANARY_SECRET ??= `canary-${randomBytes(8).toString('hex')}`
const canary = env.KARAFKA_CANARY_SECRET
let leaked = false
const child = spawn(process.execPath, ['--conditions=karafka-ts-source', '--import', 'tsx', '--test', ...files], {
  stdio: ['inherit', 'pipe', 'pipe'],
  env,
})
for (const [from, to] of [
  [child.stdout, process.stdout],
  [child.stderr, process.stderr],
] as const) {
  let tail = ''
  from.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8')
    if ((tail + text).includes(canary)) leaked = true
    tail = text.slice(-canary.length)
    to.write(chunk)
  })
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
const code = await new Promise<number>((resolve) => child.on('close', (status) => resolve(status ?? 1)))
if (ownsBroker) await stopBroker(home)
if (leaked) process.stderr.write(`\nthe canary secret (${canary.slice(0, 7)}...) appeared in the test output: a secret leaked\n`)
process.exit(leaked ? 1 : code)
