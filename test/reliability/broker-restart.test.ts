// Broker restart: a broker of this test's own is stopped and started again (same port, same
// data) while the responders produce and the poller consumes. Neither is restarted by the
// test: both must find the broker again by themselves, and nothing may be lost. The server's
// /readyz turns unready while the broker is away and ready again after.
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort, startBroker, stopBroker } from '../../src/broker/index.js'
import { createTestApp, type TestApp, waitFor } from '../helpers/app.js'
import { uniqueName } from '../helpers/kafka.js'
import { checkLedger, groupLag, ledgerHandler, readLedger, SequenceSource } from '../helpers/ledger.js'
import { REPO } from '../helpers/project.js'

const SOAK = process.env.KARAFKA_SOAK === '1'
// Long enough for kafkajs to give up on the group coordinator, so the poller's own rejoin is exercised too.
const OUTAGES_MS = SOAK ? [10_000, 20_000, 30_000] : [15_000]

describe(`broker restart: the broker goes away for ${OUTAGES_MS.map((ms) => ms / 1000).join(', ')} s mid-stream`, () => {
  const home = path.join(REPO, '.karafka', `restart-broker-${process.pid}`)
  let app: TestApp | undefined
  let producing = true
  after(async () => {
    producing = false
    await app?.remove()
    await stopBroker(home)
    rmSync(home, { recursive: true, force: true })
  })

  it('the poller and the responders recover by themselves and nothing is lost', async (t) => {
    const port = await freePort()
    await startBroker({ home, port, fresh: true })
    const brokers = [`127.0.0.1:${port}`]
    const [topic, group] = [uniqueName('restart'), uniqueName('restart-group')]
    const ledger = path.join(REPO, '.tmp', `${topic}.ledger`)
    app = await createTestApp(
      'broker-restart',
      `app:
  clientId: restart-test
  brokers: ${brokers[0]}
topics:
  ${topic}:
    partitions: 3
    key: id
    events:
      tick: { id: string, seq: integer }
metrics:
  port: 0
  stalledAfterMs: 3000
consumerGroups:
  ${group}:
    sessionTimeoutMs: 10000
    heartbeatIntervalMs: 1000
    topics:
      ${topic}: { handler: handlers/ledger.ts }
`,
      { 'handlers/ledger.ts': ledgerHandler(group, topic, { file: ledger }) },
    )
    const server = await app.start()
    const ready = async () => (await fetch(`${server.metrics!.url}/readyz`)).status === 200
    await waitFor('/readyz to say ready', ready)
    let crashed: Error | undefined
    void server.crashed.then((error) => (crashed = error))
    const source = new SequenceSource(30)
    const responder = app.generated.responders[topic]

    // The producer: a window of 20 every 20 ms; a window that fails is sent again (same sequence numbers).
    let failedSends = 0
    let lastSuccess = 0
    const producer = (async () => {
      while (producing) {
        const window = Array.from({ length: 20 }, () => source.next())
        while (producing) {
          try {
            await Promise.all(window.map(({ key, seq }) => responder.tick({ id: key, seq })))
            lastSuccess = Date.now()
            break
          } catch {
            failedSends++
            await sleep(200)
          }
        }
        await sleep(20)
      }
    })()

    const recoveries: string[] = []
    for (const downMs of OUTAGES_MS) {
      await sleep(3_000)
      const handledBefore = readLedger(ledger).length
      assert.ok(handledBefore > 0, 'messages flow before the broker goes away')
      await stopBroker(home)
      const downAt = Date.now()
      await waitFor('/readyz to turn unready while the broker is away', async () => !(await ready()), downMs)
      const unreadyMs = Date.now() - downAt
      await sleep(Math.max(0, downMs - unreadyMs))
      const back = await startBroker({ home, port })
      const upAt = Date.now()
      const handledAtRestart = readLedger(ledger).length
      await waitFor('the poller to handle messages again', () => readLedger(ledger).length > handledAtRestart, 120_000).catch(
        (error: Error) => {
          // What the server went through, to tell a stuck poller from a stuck producer.
          const said = app!.timeline.filter(([event]) => event === 'error.occurred' || event.startsWith('rebalance.')).slice(-12)
          throw new Error(
            `${error.message}; responders last sent ${Math.round((Date.now() - lastSuccess) / 1000)} s ago; the server's last events:\n${said.map((entry) => (entry[0] === 'error.occurred' ? `${entry[0]} ${entry[1].type} ${entry[1].error.message}` : `${entry[0]} ${JSON.stringify(entry[1])}`)).join('\n')}`,
          )
        },
      )
      const consumerMs = Date.now() - upAt
      await waitFor('/readyz to say ready again', ready, 120_000)
      const readyMs = Date.now() - upAt
      await waitFor('the responders to send again', () => lastSuccess > upAt, 120_000)
      recoveries.push(
        `down ${downMs / 1000} s, broker ready in ${(back.startMs / 1000).toFixed(1)} s, /readyz unready ${(unreadyMs / 1000).toFixed(1)} s after it went away and ready ${(readyMs / 1000).toFixed(1)} s after it was back; the poller handled again after ${(consumerMs / 1000).toFixed(1)} s and the responders sent after ${((lastSuccess - upAt) / 1000).toFixed(1)} s`,
      )
    }
    await sleep(2_000)
    producing = false
    await producer
    await waitFor('the poller to catch up', async () => (await groupLag(group, topic, brokers)) === 0, 120_000)

    const check = checkLedger(readLedger(ledger), source.produced)
    const restarts = (app.events['error.occurred'] ?? []).filter((e) => e.type === 'consumer.restarting').length
    t.diagnostic(
      `broker restart: ${check.produced} produced (${failedSends} windows sent again), ${check.handled} handled, ${check.duplicates} duplicates, ${restarts} consumer restarts; ${recoveries.join('; ')}`,
    )
    assert.equal(crashed, undefined, `the poller gave up: ${crashed?.message}`)
    assert.deepEqual(check.lost, [], 'no message lost')
    assert.equal(check.unique, check.produced)
  })
})
