import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { buildFunctions, lambdaRoutes } from '../../../src/lambda/build.js'
import { type LambdaServer, startLambdaServer } from '../../../src/lambda/serve.js'
import { createTestApp, type TestApp, waitFor } from '../../helpers/app.js'
import { testKafka, uniqueName } from '../../helpers/kafka.js'

// Handlers run inside the function's child process: they record "pid offset attempt n" lines to a file.
const handler = (group: string, topic: string, body: string) => `import { appendFileSync } from 'node:fs'
import { defineConsumer } from '../generated/karafka.js'
export default defineConsumer('${group}', '${topic}', async (messages, ctx) => {
  const log = (m: { offset: string; payload: unknown }) => appendFileSync('${topic}.log'.replace(/^/, process.env.KARAFKA_TEST_DIR + '/'), process.pid + ' ' + m.offset + ' ' + ctx.attempt + ' ' + (m.payload as { n: number }).n + '\\n')
  ${body}
})
`

const lines = (app: TestApp, topic: string) => {
  const file = path.join(app.dir, `${topic}.log`)
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' '))
        .map(([pid, offset, attempt, n]) => ({ pid: Number(pid), offset, attempt: Number(attempt), n: Number(n) }))
    : []
}

describe('the Lambda backend through karafka lambda serve (real broker)', () => {
  const group = uniqueName('lambda')
  const [basic, partial, slow, busy, fanout] = [
    uniqueName('basic'),
    uniqueName('partial'),
    uniqueName('slow'),
    uniqueName('busy'),
    uniqueName('fanout'),
  ]
  let app: TestApp
  let serve: LambdaServer
  const route = (topic: string, extra = '') =>
    `      ${topic}: { handler: handlers/${topic}.ts, backend: lambda, retry: { attempts: 2, backoffMs: 50, maxBackoffMs: 200 }${extra} }\n`
  // Event names differ per topic: generated type names are unique in a manifest.
  const topic = (name: string, partitions = 1) =>
    `  ${name}:\n    partitions: ${partitions}\n    key: id\n    events:\n      ${name.replace(/-/g, '_')}_job: { id: string, n: integer }\n`
  const send = (name: string, payload: { id: string; n: number }) =>
    app.generated.responders[name][`${name.replace(/-(.)/g, (_m: string, c: string) => c.toUpperCase())}Job`](payload)

  before(async () => {
    app = await createTestApp(
      'lambda',
      `app:
  clientId: lambda-test
  brokers: \${KAFKA_BROKERS}
lambda:
  region: us-east-1
  functionPrefix: t-
  timeout: 2
topics:
${topic(basic)}${topic(partial)}${topic(slow)}${topic(busy, 3)}${topic(fanout)}consumerGroups:
  ${group}:
    topics:
${route(basic)}${route(partial)}${route(slow, `, deadLetter: ${slow}.dlq, batch: { maxSize: 1 }`)}${route(busy)}${route(fanout, ', batch: { maxSize: 2 }, virtualPartitions: { max: 4 }')}`,
      {
        [`handlers/${basic}.ts`]: handler(group, basic, 'for (const m of messages) log(m)'),
        [`handlers/${partial}.ts`]: handler(
          group,
          partial,
          "for (const m of messages) { log(m); if (m.payload.n === 3 && ctx.attempt === 1) throw new Error('three'); ctx.markAsConsumed(m) }",
        ),
        [`handlers/${slow}.ts`]: handler(
          group,
          slow,
          'for (const m of messages) { log(m); if (m.payload.n === 13) await new Promise((r) => setTimeout(r, 10000)) }',
        ),
        [`handlers/${busy}.ts`]: handler(group, busy, 'for (const m of messages) log(m); await new Promise((r) => setTimeout(r, 400))'),
        [`handlers/${fanout}.ts`]: handler(group, fanout, 'for (const m of messages) log(m); await new Promise((r) => setTimeout(r, 300))'),
      },
    )
    process.env.KARAFKA_TEST_DIR = app.dir
    await buildFunctions(app.manifest, lambdaRoutes(app.manifest))
  })
  after(async () => {
    await app.remove()
    delete process.env.AWS_ENDPOINT_URL_LAMBDA
  })

  async function run(concurrency: number | undefined, topics: string[], until: () => boolean) {
    serve = await startLambdaServer({ manifest: app.manifest, port: 0, ...(concurrency ? { concurrency } : {}) })
    process.env.AWS_ENDPOINT_URL_LAMBDA = serve.url
    const server = await app.start({ groups: [group] })
    try {
      await waitFor(`${topics.join(', ')} handled`, until, 60_000)
    } finally {
      await server.stop()
      await serve.close()
    }
  }

  it("messages reach the handler inside the function's child process and their offsets are committed; a throw yields a partial result, the poller commits up to it and retries the rest", async () => {
    for (let n = 1; n <= 5; n++) {
      await send(basic, { id: 'a', n })
      await send(partial, { id: 'a', n })
    }
    await run(
      undefined,
      [basic, partial],
      () => lines(app, basic).length >= 5 && lines(app, partial).some((l) => l.attempt === 2 && l.n === 5),
    )
    const handled = lines(app, basic)
    assert.deepEqual(
      handled.map((l) => l.n),
      [1, 2, 3, 4, 5],
    )
    assert.ok(
      handled.every((l) => l.pid !== process.pid),
      'ran in another process',
    )
    assert.deepEqual(
      lines(app, partial).map((l) => [l.n, l.attempt]),
      [
        [1, 1],
        [2, 1],
        [3, 1],
        [3, 2],
        [4, 2],
        [5, 2],
      ],
      'resumed at the failed message',
    )
    const commits = (app.events['offsets.committed'] ?? []).filter((c) => c.topic === partial).map((c) => c.offset)
    assert.deepEqual(commits, ['2', '5'], 'committed up to the failure, then the rest')
    const invoked = (app.events['lambda.invoked'] ?? []).filter((e) => e.topic === basic)
    assert.ok(invoked.length >= 1 && invoked.every((e) => e.statusCode === 200 && e.functionName === `t-${group}-${basic}`))
  })

  it('a function that exceeds its timeout is an unhandled error: retried, then dead-lettered; the messages after it are handled', async () => {
    for (const n of [12, 13, 14]) await send(slow, { id: 'a', n })
    await run(undefined, [slow], () =>
      lines(app, slow).some((l) => l.n === 14 && l.attempt === 1 && lines(app, slow).filter((x) => x.n === 13).length >= 2),
    )
    const errors = (app.events['lambda.invoked'] ?? []).filter((e) => e.topic === slow && e.functionError)
    assert.deepEqual(
      errors.map((e) => e.functionError),
      ['Unhandled', 'Unhandled'],
    )
    const dispatched = (app.events['dead_letter_queue.dispatched'] ?? []).filter((d) => d.topic === slow)
    assert.deepEqual(
      dispatched.map((d) => [d.offset, d.attempts]),
      [['1', 2]],
    )
    assert.match(dispatched[0]!.reason, /Sandbox\.Timedout: .*Task timed out after 2\.00 seconds/)
    const admin = testKafka().admin()
    await admin.connect()
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [slow] })
    await admin.disconnect()
    assert.equal(offsets!.partitions[0]!.offset, '3')
  })

  it("lambda serve speaks the Invoke API: 404 for unknown functions and qualifiers, LogType=Tail, the runtime's error JSON", async () => {
    const local = await startLambdaServer({ manifest: app.manifest, port: 0 })
    try {
      const invoke = (name: string, body: unknown, query = '', headers: Record<string, string> = {}) =>
        fetch(`${local.url}/2015-03-31/functions/${name}/invocations${query}`, { method: 'POST', body: JSON.stringify(body), headers })
      const missing = await invoke('nope', {})
      assert.equal(missing.status, 404)
      assert.equal(missing.headers.get('x-amzn-errortype'), 'ResourceNotFoundException')
      const wrongAlias = await invoke(`t-${group}-${basic}`, {}, '?Qualifier=beta')
      assert.equal(wrongAlias.status, 404)
      const value = Buffer.from(JSON.stringify({ event_name: 'nope', payload: {} })).toString('base64')
      const event = {
        eventSource: 'SelfManagedKafka',
        records: {
          [`${basic}-0`]: [
            { topic: basic, partition: 0, offset: 0, timestamp: 0, timestampType: 'CREATE_TIME', key: null, value, headers: [] },
          ],
        },
      }
      const failed = await invoke(`t-${group}-${basic}`, event, '?Qualifier=live', { 'X-Amz-Log-Type': 'Tail' })
      assert.equal(failed.status, 200)
      assert.equal(failed.headers.get('x-amz-function-error'), 'Unhandled')
      const error = (await failed.json()) as { errorType: string; errorMessage: string; trace: string[] }
      assert.equal(error.errorType, 'KarafkaError')
      assert.match(error.errorMessage, /unknown event "nope"/)
      assert.ok(Array.isArray(error.trace))
      assert.match(
        Buffer.from(failed.headers.get('x-amz-log-result')!, 'base64').toString(),
        /^START RequestId: [0-9a-f-]+\n[\s\S]*REPORT RequestId: [0-9a-f-]+\tDuration: \d+ ms\tMemory Size: 256 MB/,
      )
    } finally {
      await local.close()
    }
  })

  it('a throttled function (--concurrency 1, several partitions in flight) backs off without counting attempts, and every message is handled', async () => {
    for (let n = 0; n < 12; n++) await send(busy, { id: `k${n}`, n })
    await run(1, [busy], () => new Set(lines(app, busy).map((l) => l.n)).size === 12)
    const throttled = (app.events['error.occurred'] ?? []).filter((e) => e.type === 'lambda.invoke.error' && e.topic === busy)
    assert.ok(throttled.length >= 1, 'some invocations were throttled')
    assert.ok(throttled.every((e) => /TooManyRequests/.test(e.error.message) || /TooManyRequests/.test(e.error.name)))
    assert.ok(
      lines(app, busy).every((l) => l.attempt === 1),
      'throttling never counted as an attempt',
    )
    assert.equal((app.events['dead_letter_queue.dispatched'] ?? []).filter((d) => d.topic === busy).length, 0)
  })

  it('virtual partitions fan one partition out over concurrent invocations, one event each, every key in order', async () => {
    for (let n = 0; n < 24; n++) await send(fanout, { id: `k${n % 8}`, n })
    await run(undefined, [fanout], () => lines(app, fanout).length >= 24)
    const handled = lines(app, fanout)
    assert.deepEqual(
      handled.map((l) => l.n).sort((a, b) => a - b),
      Array.from({ length: 24 }, (_, n) => n),
      'every message once',
    )
    for (let k = 0; k < 8; k++) {
      const ns = handled.filter((l) => l.n % 8 === k).map((l) => l.n)
      assert.deepEqual(ns, [k, k + 8, k + 16], `key k${k} in order`)
    }
    let inFlight = 0
    let most = 0
    for (const [event, payload] of app.timeline) {
      if ((event !== 'consumer.consume' && event !== 'consumer.consumed') || payload.topic !== fanout) continue
      assert.equal(typeof payload.virtualPartition, 'number')
      inFlight += event === 'consumer.consume' ? 1 : -1
      most = Math.max(most, inFlight)
    }
    assert.ok(most > 1, `invocations of one partition ran at once (at most ${most})`)
    const invoked = (app.events['lambda.invoked'] ?? []).filter((e) => e.topic === fanout)
    assert.ok(invoked.length >= 12, `one invocation per virtual partition batch of at most 2 (${invoked.length})`)
    const commits = (app.events['offsets.committed'] ?? []).filter((c) => c.topic === fanout).map((c) => BigInt(c.offset))
    assert.equal(commits.at(-1), 24n)
  })
})
