// Crash: `karafka server` is killed with SIGKILL at random moments while messages flow, and
// started again each time. Four groups read the topic in the same server: one plainly, one with
// virtual partitions, and two that publish an echo of every message through ctx.responders, one
// of them on a transactional route. After the last restart every message has been handled at
// least once by each, each runner saw each key's sequence in order, and the duplicates stay
// within what the killed runners had in flight; a read_committed reader sees every echo of the
// transactional route exactly once and in order, and the plain route's echoes at least once.
// KARAFKA_SOAK=1 runs the long form; KARAFKA_SEED repeats a run.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createTestApp, type TestApp, waitFor } from '../helpers/app.js'
import { BIN } from '../helpers/cli.js'
import { uniqueName } from '../helpers/kafka.js'
import { checkLedger, echoHandler, groupLag, ledgerHandler, readEchoes, readLedger, SequenceSource, seeded } from '../helpers/ledger.js'

const SOAK = process.env.KARAFKA_SOAK === '1'
const MESSAGES = SOAK ? 100_000 : 20_000
const KILLS = SOAK ? 10 : 3
const PARTITIONS = 6
const MAX_SIZE = 100
/** The virtual-partitioned group: batches of 10, 8 virtual partitions, so windows of up to 320 messages. */
const VP = { maxSize: 10, max: 8, windowBatches: 4 }
const SEED = Number(process.env.KARAFKA_SEED ?? Math.floor(Math.random() * 1e9))

function startServer(
  app: TestApp,
  ledger: string,
  running: Set<ChildProcess>,
): { child: ChildProcess; exited: Promise<number | null>; output: () => string } {
  const child = spawn(process.execPath, [BIN, 'server', '--manifest', path.join(app.dir, 'karafka.yml')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LEDGER: ledger, LEDGER_VP: `${ledger}.vp`, KARAFKA_LOG_LEVEL: 'warn' },
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk))
  running.add(child)
  return {
    child,
    exited: new Promise((resolve) =>
      child.on('exit', (code) => {
        running.delete(child)
        resolve(code)
      }),
    ),
    output: () => output,
  }
}

describe(`crash: SIGKILL ${KILLS} times while ${MESSAGES} messages flow (seed ${SEED})`, () => {
  let app: TestApp | undefined
  let producing = true
  const running = new Set<ChildProcess>()
  after(async () => {
    producing = false
    for (const child of running) child.kill('SIGKILL')
    await app?.remove()
  })

  it('loses nothing, keeps each key in order within a run, and bounds the duplicates', async (t) => {
    const random = seeded(SEED)
    const [topic, group, vpGroup] = [uniqueName('crash'), uniqueName('crash-group'), uniqueName('crash-vp')]
    const [echoGroup, txGroup] = [uniqueName('crash-echo'), uniqueName('crash-tx')]
    const [echoes, txEchoes] = [`${topic}.echo`, `${topic}.tx-echo`]
    // An output topic per echoing route; event names differ, since generated type names are shared by all topics.
    const echo = (name: string, event: string) => `  ${name}:
    partitions: ${PARTITIONS}
    key: id
    events:
      ${event}: { id: string, seq: integer }
`
    app = await createTestApp(
      'crash',
      `app:
  clientId: crash-test
  brokers: \${KAFKA_BROKERS}
topics:
  ${topic}:
    partitions: ${PARTITIONS}
    key: id
    events:
      tick: { id: string, seq: integer }
${echo(echoes, 'echo')}${echo(txEchoes, 'tx_echo')}consumerGroups:
  ${group}:
    sessionTimeoutMs: 6000
    heartbeatIntervalMs: 1000
    topics:
      ${topic}: { handler: handlers/ledger.ts, batch: { maxSize: ${MAX_SIZE} } }
  ${vpGroup}:
    sessionTimeoutMs: 6000
    heartbeatIntervalMs: 1000
    topics:
      ${topic}: { handler: handlers/ledger-vp.ts, batch: { maxSize: ${VP.maxSize} }, virtualPartitions: { max: ${VP.max} } }
  ${echoGroup}:
    sessionTimeoutMs: 6000
    heartbeatIntervalMs: 1000
    topics:
      ${topic}: { handler: handlers/echo.ts, batch: { maxSize: ${MAX_SIZE} } }
  ${txGroup}:
    sessionTimeoutMs: 6000
    heartbeatIntervalMs: 1000
    topics:
      ${topic}: { handler: handlers/tx-echo.ts, batch: { maxSize: ${MAX_SIZE} }, transactional: true }
`,
      {
        'handlers/ledger.ts': ledgerHandler(group, topic, {
          perMessage: 'if (index % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 5))',
        }),
        // Ten times slower a message than the plain group's, eight calls at once: about its pace, so that kills land mid-window.
        'handlers/ledger-vp.ts': ledgerHandler(vpGroup, topic, {
          fileEnv: 'LEDGER_VP',
          perMessage: 'await new Promise((resolve) => setTimeout(resolve, 5))',
        }),
        'handlers/echo.ts': echoHandler(echoGroup, topic, echoes, 'echo'),
        'handlers/tx-echo.ts': echoHandler(txGroup, topic, txEchoes, 'txEcho'),
      },
    )
    const ledger = path.join(app.dir, 'ledger.log')
    const source = new SequenceSource(60)
    const responder = app.generated.responders[topic]

    // Messages flow for as long as the kills go on: a window every 50 ms, paced to end with the last kill.
    let pacing = true
    const producer = (async () => {
      const perWindow = Math.max(50, Math.ceil(MESSAGES / (KILLS * 8 * 20)))
      while (producing && source.total < MESSAGES) {
        const calls: Promise<unknown>[] = []
        for (let i = 0; i < perWindow && source.total < MESSAGES; i++) {
          const { key, seq } = source.next()
          calls.push(responder.tick({ id: key, seq }))
        }
        await Promise.all(calls)
        await sleep(pacing ? 50 : 0)
      }
    })()

    const recoveries: number[] = []
    for (let kill = 0; kill < KILLS; kill++) {
      const server = startServer(app, ledger, running)
      const started = Date.now()
      const before = readLedger(ledger).length
      // Killed at a random moment once it handles messages: mid-batch, mid-commit, or between;
      // early on, it is still draining what piled up while it was down.
      await waitFor(
        `run ${kill + 1} to handle messages`,
        () => server.child.exitCode !== null || readLedger(ledger).length > before,
        60_000,
      )
      assert.equal(server.child.exitCode, null, `the server exited by itself: ${server.output()}`)
      recoveries.push(Date.now() - started)
      await sleep(Math.floor(random() * 1_500))
      server.child.kill('SIGKILL')
      await server.exited
    }
    pacing = false
    await producer

    const last = startServer(app, ledger, running)
    const started = Date.now()
    await waitFor(
      'the last run to catch up',
      async () => {
        for (const g of [group, vpGroup, echoGroup, txGroup]) if ((await groupLag(g, topic)) !== 0) return false
        return true
      },
      SOAK ? 300_000 : 120_000,
    )
    const catchUpMs = Date.now() - started
    last.child.kill('SIGTERM')
    assert.equal(await last.exited, 0, last.output())

    const check = checkLedger(readLedger(ledger), source.produced)
    const vpCheck = checkLedger(readLedger(`${ledger}.vp`), source.produced)
    const echoCheck = checkLedger(await readEchoes(echoes, source.total), source.produced)
    const txCheck = checkLedger(await readEchoes(txEchoes, source.total), source.produced)
    const bound = KILLS * PARTITIONS * 3 * MAX_SIZE
    // A killed run leaves at most its window per partition handled but not committed, and the previous window's last commit in flight.
    const vpBound = KILLS * PARTITIONS * 2 * VP.maxSize * VP.max * VP.windowBatches
    t.diagnostic(
      `crash: ${check.produced} produced, ${check.handled} handled, ${check.unique} unique, ${check.duplicates} duplicates over ${KILLS} kills (bound ${bound}); with virtual partitions (max ${VP.max}): ${vpCheck.handled} handled, ${vpCheck.unique} unique, ${vpCheck.duplicates} duplicates (bound ${vpBound}); time to first message after a restart: ${recoveries.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s; last run caught up in ${(catchUpMs / 1000).toFixed(1)} s; echoes published (read_committed): plain route ${echoCheck.handled} for ${echoCheck.unique} messages (${echoCheck.duplicates} duplicates), transactional route ${txCheck.handled} (${txCheck.duplicates} duplicates); seed ${SEED}`,
    )
    for (const [name, result] of [
      ['echoes of the plain route', echoCheck],
      ['echoes of the transactional route', txCheck],
    ] as const) {
      assert.deepEqual(result.lost, [], `${name}: every message's echo is there`)
      assert.equal(result.unique, result.produced, name)
    }
    assert.equal(txCheck.duplicates, 0, 'the transactional route published every echo exactly once')
    assert.deepEqual(txCheck.outOfOrder, [], "a read_committed reader sees each key's echoes in order, once each")
    for (const [name, result, limit] of [
      ['plain', check, bound],
      ['virtual partitions', vpCheck, vpBound],
    ] as const) {
      assert.deepEqual(result.lost, [], `${name}: no message lost`)
      assert.equal(result.unique, result.produced, name)
      assert.deepEqual(result.outOfOrder, [], `${name}: each run saw each key in order, one by one`)
      assert.ok(
        result.duplicates <= limit,
        `${name}: ${result.duplicates} duplicates is more than the ${limit} the killed runs could have had in flight`,
      )
    }
  })
})
