// Transactional routes on the real broker: what a handler publishes and the offset past its
// batch commit together, through kafkajs transactions; a failure or a fenced producer leaves
// nothing a read_committed reader can see.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { KafkaTransactions } from '../../../src/consumer/transactions.js'
import { createKafka } from '../../../src/kafka/client.js'
import { buildFunctions, lambdaRoutes } from '../../../src/lambda/build.js'
import { startLambdaServer } from '../../../src/lambda/serve.js'
import { createTestApp, type TestApp, waitFor } from '../../helpers/app.js'
import { BIN } from '../../helpers/cli.js'
import { committedOffsets, readRecords, testBrokers, testKafka, uniqueName } from '../../helpers/kafka.js'

/** A `jobs` topic whose handler publishes one `done` to `out` per job, through ctx.responders, on a transactional route. */
function manifest(topic: string, out: string, group: string, route = '', groupSettings = '') {
  return `app:
  clientId: transactions-test
  brokers: \${KAFKA_BROKERS}
topics:
  ${topic}:
    key: id
    events:
      job: { id: string, n: integer }
  ${out}:
    key: id
    events:
      done: { id: string, n: integer }
consumerGroups:
  ${group}:
${groupSettings}    topics:
      ${topic}: { handler: handlers/jobs.ts, transactional: true${route} }
`
}

/** The handler: publishes done(n) for each job, runs `each` after publishing (m and ctx in scope), then marks the job consumed. */
function publishingHandler(group: string, topic: string, out: string, each = ''): string {
  return `import { defineConsumer } from '../generated/karafka.js'
export default defineConsumer('${group}', '${topic}', async (messages, ctx) => {
  for (const m of messages) {
    if (m.event !== 'job') continue
    const delivery = await ctx.responders['${out}'].done({ id: m.payload.id, n: m.payload.n })
    ;((globalThis as any).deliveries ??= []).push(delivery)
    ${each}
    ctx.markAsConsumed(m)
  }
})
`
}

/** Every record of `topic` read with the given isolation, as the `n` of each `done`, after waiting for at least `count`. */
async function doneNumbers(topic: string, count: number, readUncommitted = false): Promise<number[]> {
  const consumer = testKafka().consumer({ groupId: uniqueName('reader'), readUncommitted })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const seen: number[] = []
  await consumer.run({
    eachMessage: async ({ message }) => {
      seen.push((JSON.parse(message.value!.toString()) as { payload: { n: number } }).payload.n)
    },
  })
  try {
    await waitFor(`${count} records in ${topic}`, () => seen.length >= count, 15_000)
    // Anything beyond `count` (a duplicate) has time to arrive too.
    await new Promise((resolve) => setTimeout(resolve, 1_000))
  } finally {
    await consumer.disconnect()
  }
  return seen.sort((a, b) => a - b)
}

describe('transactional routes (real broker)', { concurrency: true }, () => {
  const apps: TestApp[] = []
  after(() => Promise.all(apps.map((a) => a.remove())))

  it("a batch's events and its offset commit together; a failure commits what came before the last mark, and nothing after it", async () => {
    const [topic, out, group] = [uniqueName('jobs'), uniqueName('jobs.out'), uniqueName('tx')]
    const app = await createTestApp('tx-batch', manifest(topic, out, group, ', retry: { attempts: 3, backoffMs: 20, maxBackoffMs: 20 }'), {
      // The first try of job 5 fails after publishing done(5): that event must never appear twice.
      'handlers/jobs.ts': publishingHandler(group, topic, out, "if (m.payload.n === 5 && ctx.attempt === 1) throw new Error('once')"),
    })
    apps.push(app)
    for (let n = 1; n <= 10; n++) await app.generated.responders[topic].job({ id: 'k', n })
    const server = await app.start()
    await waitFor('the offset past job 10', async () => (await committedOffsets(group, topic))[0] === '10')
    await server.stop()

    const expected = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert.deepEqual(await doneNumbers(out, 10), expected, 'read_committed: each done exactly once')
    // The failed try's done(5) was never written at all: read_uncommitted sees the same.
    assert.deepEqual(await doneNumbers(out, 10, true), expected, 'read_uncommitted: nothing aborted was written')
    const commits = app.events['offsets.committed']!
    assert.deepEqual(
      commits.map((c) => [c.offset, c.records]),
      [
        ['4', 4],
        ['10', 6],
      ],
      'the marked jobs 1-4 with their 4 events, then the retry of 5-10 with 6',
    )
    assert.ok(
      (globalThis as { deliveries?: { partition: number; offset: string }[] }).deliveries!.every(
        (d) => d.partition === -1 && d.offset === '-1',
      ),
      'inside a transactional route a responder resolves before the record is written: partition and offset unknown (-1)',
    )
  })

  it('back-to-back transactions that carry only offsets commit without a failure (the coordinator is still completing the previous one)', async () => {
    const [topic, out, group] = [uniqueName('jobs'), uniqueName('jobs.out'), uniqueName('tx')]
    const app = await createTestApp('tx-offsets-only', manifest(topic, out, group, ', batch: { maxSize: 1 }'), {
      'handlers/jobs.ts': `import { defineConsumer } from '../generated/karafka.js'
export default defineConsumer('${group}', '${topic}', async () => {})
`,
    })
    apps.push(app)
    for (let n = 1; n <= 20; n++) await app.generated.responders[topic].job({ id: 'k', n })
    const server = await app.start()
    await waitFor('the offset past job 20', async () => (await committedOffsets(group, topic))[0] === '20')
    await server.stop()
    const failures = (app.events['error.occurred'] ?? []).filter((e) => e.type.startsWith('consumer.'))
    assert.deepEqual(
      failures.map((e) => `${e.type}: ${e.error.message}`),
      [],
    )
    assert.equal(app.events['offsets.committed']!.length, 20, 'one transaction per message')
  })

  it('through Lambda: the function publishes nothing itself, and one that crashes halfway leaves no output of its batch', async () => {
    const [topic, out, group] = [uniqueName('jobs'), uniqueName('jobs.out'), uniqueName('tx')]
    const app = await createTestApp(
      'tx-lambda',
      manifest(topic, out, group, ', backend: lambda, retry: { attempts: 3, backoffMs: 20, maxBackoffMs: 20 }').replace(
        'topics:',
        'lambda: { region: us-east-1, functionPrefix: tx-, timeout: 10 }\ntopics:',
      ),
      // The first try of the batch exits the function's process after staging done(1) to done(3).
      { 'handlers/jobs.ts': publishingHandler(group, topic, out, 'if (m.payload.n === 3 && ctx.attempt === 1) process.exit(1)') },
    )
    apps.push(app)
    await buildFunctions(app.manifest, lambdaRoutes(app.manifest))
    const serve = await startLambdaServer({ manifest: app.manifest, port: 0 })
    try {
      for (let n = 1; n <= 5; n++) await app.generated.responders[topic].job({ id: 'k', n })
      process.env.AWS_ENDPOINT_URL_LAMBDA = serve.url // read when the server makes its Lambda client
      const server = await app.start()
      await waitFor('the offset past job 5', async () => (await committedOffsets(group, topic))[0] === '5')
      await server.stop()
    } finally {
      delete process.env.AWS_ENDPOINT_URL_LAMBDA
      await serve.close()
    }
    const crashed = (app.events['lambda.invoked'] ?? []).filter((e) => e.functionError)
    assert.equal(crashed.length, 1, 'the first invocation crashed')
    assert.deepEqual(await doneNumbers(out, 5, true), [1, 2, 3, 4, 5], 'even read_uncommitted sees each done once: the crash wrote nothing')
    assert.deepEqual(
      app.events['offsets.committed']!.map((c) => [c.offset, c.records]),
      [['5', 5]],
      "the retry's five events and the offset, in one transaction",
    )
  })

  it("a dead-lettered message's record and the offset past it commit in one transaction, with the events before it", async () => {
    const [topic, out, group] = [uniqueName('jobs'), uniqueName('jobs.out'), uniqueName('tx')]
    const dlq = `${topic}.dlq`
    const app = await createTestApp(
      'tx-dlq',
      manifest(topic, out, group, `, retry: { attempts: 1, backoffMs: 10, maxBackoffMs: 10 }, deadLetter: ${dlq}`),
      { 'handlers/jobs.ts': publishingHandler(group, topic, out, "if (m.payload.n === 3) throw new TypeError('poison')") },
    )
    apps.push(app)
    for (let n = 1; n <= 5; n++) await app.generated.responders[topic].job({ id: 'k', n })
    const server = await app.start()
    await waitFor('the offset past job 5', async () => (await committedOffsets(group, topic))[0] === '5')
    await server.stop()

    assert.deepEqual(await doneNumbers(out, 4), [1, 2, 4, 5], 'done(3) was published in the failed call only: never written')
    const [letter] = await readRecords(dlq, 1)
    assert.equal(letter!.headers.source_offset, '2')
    assert.equal(letter!.headers.error_class, 'TypeError')
    assert.deepEqual(
      app.events['offsets.committed']!.map((c) => [c.offset, c.records]),
      [
        ['3', 3],
        ['5', 2],
      ],
      'one transaction: done(1), done(2) and the dead letter with the offset past job 3; then jobs 4 and 5',
    )
  })

  it('a producer fenced by a newer owner of the partition commits nothing: not its records, not its offset', async () => {
    const [topic, out, group] = [uniqueName('jobs'), uniqueName('jobs.out'), uniqueName('tx')]
    const app = await createTestApp('tx-fence', manifest(topic, out, group), {
      'handlers/jobs.ts': publishingHandler(group, topic, out),
    })
    apps.push(app)
    const kafka = createKafka({ ...app.manifest.app, brokers: testBrokers() })
    const zombie = new KafkaTransactions({ kafka, group })
    const owner = new KafkaTransactions({ kafka, group })
    const done = (n: number) => ({
      topic: out,
      record: { key: 'k', value: JSON.stringify({ event_name: 'done', payload: { id: 'k', n } }), headers: { event_name: 'done' } },
    })
    try {
      assert.equal(await zombie.claim(topic, 0), undefined, 'no offset committed yet')
      await zombie.commit(topic, 0, [done(1)], '1')
      assert.equal(await owner.claim(topic, 0), '1', "the new owner starts where the zombie's last transaction left off")
      await assert.rejects(zombie.commit(topic, 0, [done(2)], '2'), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'TRANSACTION_FENCED', error.message)
        return true
      })
      assert.deepEqual(await committedOffsets(group, topic), { 0: '1' }, "the fenced producer's offset did not commit")
      await owner.commit(topic, 0, [done(20)], '2')
    } finally {
      await Promise.all([zombie.close(), owner.close()])
    }
    assert.deepEqual(await doneNumbers(out, 2), [1, 20], 'read_committed: what the owners committed, not what the zombie tried')
    assert.deepEqual(await committedOffsets(group, topic), { 0: '2' })
  })

  it('a zombie (a poller frozen past its session, then thawed) cannot commit: its batch was handled by the new owner, and is published once', async () => {
    const [topic, out, group] = [uniqueName('jobs'), uniqueName('jobs.out'), uniqueName('tx')]
    const app = await createTestApp(
      'tx-zombie',
      manifest(topic, out, group, '', '    sessionTimeoutMs: 6000\n    heartbeatIntervalMs: 2000\n'),
      {
        // While the file "hold" exists, the handler says so and waits for "release" before it publishes.
        'handlers/jobs.ts': publishingHandler(group, topic, out).replace(
          'async (messages, ctx) => {',
          `async (messages, ctx) => {
  const { existsSync, writeFileSync } = await import('node:fs')
  if (existsSync(process.env.HOLD!)) {
    writeFileSync(process.env.HOLDING!, 'yes')
    while (!existsSync(process.env.RELEASE!)) await new Promise((resolve) => setTimeout(resolve, 10))
  }`,
        ),
      },
    )
    apps.push(app)
    const [hold, holding, release] = ['hold', 'holding', 'release'].map((name) => path.join(app.dir, name)) as [string, string, string]
    process.env.HOLD = hold
    process.env.HOLDING = holding
    process.env.RELEASE = release
    for (let n = 1; n <= 5; n++) await app.generated.responders[topic].job({ id: 'k', n })
    writeFileSync(hold, '')
    const zombie = spawn(process.execPath, [BIN, 'server', '--manifest', path.join(app.dir, 'karafka.yml')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KARAFKA_LOG_LEVEL: 'info' },
    })
    let output = ''
    zombie.stdout.on('data', (chunk: Buffer) => (output += chunk))
    zombie.stderr.on('data', (chunk: Buffer) => (output += chunk))
    const exited = new Promise((resolve) => zombie.on('exit', resolve))
    try {
      await waitFor('the first poller to hold its batch', () => existsSync(holding), 30_000)
      zombie.kill('SIGSTOP')
      rmSync(hold)
      // The new owner joins once the frozen one's session has expired, takes the partition over and handles the batch.
      const owner = await app.start()
      await waitFor('the new owner to commit past job 5', async () => (await committedOffsets(group, topic))[0] === '5', 30_000)
      writeFileSync(release, '')
      zombie.kill('SIGCONT')
      await waitFor(
        "the thawed poller's commit to be refused",
        () => /consumer\.transaction\.fenced|PARTITION_REVOKED|partition revoked/.test(output),
        30_000,
      )
      for (let n = 6; n <= 7; n++) await app.generated.responders[topic].job({ id: 'k', n })
      await waitFor('the owner to commit past job 7', async () => (await committedOffsets(group, topic))[0] === '7', 30_000)
      await owner.stop()
    } finally {
      zombie.kill('SIGCONT')
      zombie.kill('SIGTERM')
      await exited
    }
    assert.deepEqual(await doneNumbers(out, 7), [1, 2, 3, 4, 5, 6, 7], `each job published once; the zombie said:\n${output}`)
    assert.match(
      output,
      /consumer\.transaction\.fenced: .*another producer took the partition over/,
      'the zombie tried to commit and was refused',
    )
  })
})
