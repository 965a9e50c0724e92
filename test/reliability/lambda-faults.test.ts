// Lambda faults through the local Lambda endpoint (`karafka lambda serve`'s server): at random
// the function crashes (the process exits), runs past its timeout, or is throttled (one
// concurrent invocation for three partitions). Poison messages always throw; six attempts make
// a healthy batch failing every time by chance unlikely (0.16^6). Nothing may be
// lost; every poison message ends in the dead-letter topic; the group ends with no lag.
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { buildFunctions, lambdaRoutes } from '../../src/lambda/build.js'
import { startLambdaServer } from '../../src/lambda/serve.js'
import { createTestApp, type TestApp, waitFor } from '../helpers/app.js'
import { readRecords, uniqueName } from '../helpers/kafka.js'
import { checkLedger, groupLag, readLedger, SequenceSource, seeded } from '../helpers/ledger.js'
import { REPO } from '../helpers/project.js'

const SOAK = process.env.KARAFKA_SOAK === '1'
const MESSAGES = SOAK ? 3_000 : 600
const SEED = Number(process.env.KARAFKA_SEED ?? Math.floor(Math.random() * 1e9))

describe(`lambda faults: crashes, timeouts and throttling at random over ${MESSAGES} messages (seed ${SEED})`, () => {
  let app: TestApp | undefined
  after(async () => {
    await app?.remove()
    delete process.env.AWS_ENDPOINT_URL_LAMBDA
  })

  it('loses nothing and dead-letters the poison messages', async (t) => {
    const random = seeded(SEED)
    const [topic, group] = [uniqueName('faults'), uniqueName('faults-group')]
    const dlq = `${topic}.dlq`
    const ledger = path.join(REPO, '.tmp', `${topic}.ledger`)
    // Inside the function: messages are recorded one by one and marked consumed; a poison
    // message throws. Halfway through, 8% of invocations exit the process and 8% stall past the
    // 1 s timeout: what they recorded is not reported consumed, so it comes again.
    const handler = `import { appendFileSync } from 'node:fs'
import { defineConsumer } from '../generated/karafka.js'
export default defineConsumer('${group}', '${topic}', async (messages, ctx) => {
  const roll = Math.random()
  const halfway = Math.floor(messages.length / 2)
  for (const [index, m] of messages.entries()) {
    if (index === halfway && roll < 0.08) process.exit(1)
    if (index === halfway && roll < 0.16) await new Promise((resolve) => setTimeout(resolve, 3000))
    if (m.event !== 'tick') continue
    if (m.payload.poison) throw new Error('poison ' + m.payload.id + '#' + m.payload.seq)
    appendFileSync(${JSON.stringify(ledger)}, process.pid + ' ' + m.partition + ' ' + m.offset + ' ' + m.key + ' ' + m.payload.seq + '\\n')
    ctx.markAsConsumed(m)
  }
})
`
    app = await createTestApp(
      'lambda-faults',
      `app:
  clientId: faults-test
  brokers: \${KAFKA_BROKERS}
lambda: { region: us-east-1, functionPrefix: f-, timeout: 1 }
topics:
  ${topic}:
    partitions: 3
    key: id
    events:
      tick: { id: string, seq: integer, poison?: boolean }
consumerGroups:
  ${group}:
    topics:
      ${topic}: { handler: handlers/faults.ts, backend: lambda, batch: { maxSize: 10 }, retry: { attempts: 6, backoffMs: 20, maxBackoffMs: 200 }, deadLetter: ${dlq} }
`,
      { 'handlers/faults.ts': handler },
    )
    await buildFunctions(app.manifest, lambdaRoutes(app.manifest))
    const serve = await startLambdaServer({ manifest: app.manifest, port: 0, concurrency: 1, env: {} })
    process.env.AWS_ENDPOINT_URL_LAMBDA = serve.url

    const source = new SequenceSource(12)
    const poison = new Set<string>()
    const responder = app.generated.responders[topic]
    for (let i = 0; i < MESSAGES; i++) {
      const { key, seq } = source.next()
      const isPoison = random() < 0.01
      if (isPoison) poison.add(`${key}#${seq}`)
      await responder.tick({ id: key, seq, ...(isPoison ? { poison: true } : {}) })
    }
    const server = await app.start()
    try {
      await waitFor('the group to catch up', async () => (await groupLag(group, topic)) === 0, SOAK ? 900_000 : 300_000)
    } finally {
      await server.stop()
      await serve.close()
    }

    const outcomes = (app.events['lambda.invoked'] ?? []).map((e) => e.functionError ?? 'ok')
    const throttled = (app.events['error.occurred'] ?? []).filter(
      (e) => e.type === 'lambda.invoke.error' && /TooManyRequests|Rate Exceeded/.test(`${e.error.name} ${e.error.message}`),
    ).length
    const dispatched = (app.events['dead_letter_queue.dispatched'] ?? []).length
    const entries = readLedger(ledger)
    const check = checkLedger(entries, source.produced)
    const lost = check.lost.filter((id) => !poison.has(id))
    const deadLetters = (await readRecords(dlq, poison.size, 60_000)).map(
      ({ value }) => JSON.parse(value!) as { payload: { id: string; seq: number } },
    )
    t.diagnostic(
      `lambda faults: ${MESSAGES} messages, ${outcomes.length} invocations answered (${outcomes.filter((o) => o !== 'ok').length} failed: crash or timeout), ${throttled} throttled, ${check.duplicates} duplicates, ${poison.size} poison -> ${dispatched} dead-lettered; seed ${SEED}`,
    )
    assert.deepEqual(lost, [], 'every message that is not poison was handled')
    assert.deepEqual(
      deadLetters.map((d) => `${d.payload.id}#${d.payload.seq}`).sort(),
      [...poison].sort(),
      'every poison message, and only those, dead-lettered',
    )
    assert.ok(
      outcomes.some((o) => o !== 'ok'),
      'the function did fail now and then',
    )
    assert.ok(throttled > 0, 'invocations were throttled')
  })
})
