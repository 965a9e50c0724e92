// karafka lambda serve's execution environments, without a broker: hand-written bundles served
// over the real Invoke API, in real child processes.
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type LambdaServer, startLambdaServer } from '../../../src/lambda/serve.js'
import { loadManifest } from '../../../src/manifest/index.js'
import { tempProject } from '../../helpers/project.js'

// Each bundle counts its inits (module code) and its invocations, and says which process it runs in.
const BUNDLE = `let inits = 0
let calls = 0
inits++
console.log('init')
export const handler = async (event) => {
  calls++
  console.log('call ' + event.n)
  if (event.wait) await new Promise((resolve) => setTimeout(resolve, event.wait))
  if (event.crash) process.exit(3)
  if (event.crashLater) setTimeout(() => { throw new Error('after the answer') }, 50)
  if (event.fail) throw new TypeError('failed ' + event.n)
  return { pid: process.pid, inits, calls, n: event.n }
}
`

describe('karafka lambda serve: warm workers', () => {
  const project = tempProject({
    'karafka.yml': `app: { clientId: serve-test, brokers: 127.0.0.1:9092 }
lambda: { region: us-east-1, functionPrefix: s-, timeout: 1 }
topics:
  jobs: { events: { job: { n: integer } } }
consumerGroups:
  g:
    topics:
      jobs: { handler: handlers/jobs.ts, backend: lambda }
`,
    'dist/lambda/s-g-jobs/index.mjs': BUNDLE,
  })
  let server: LambdaServer
  const logs: string[][] = []
  const invoke = async (event: Record<string, unknown>) => {
    const response = await fetch(`${server.url}/2015-03-31/functions/s-g-jobs/invocations`, { method: 'POST', body: JSON.stringify(event) })
    return {
      status: response.status,
      error: response.headers.get('x-amz-function-error'),
      body: (await response.json()) as Record<string, unknown>,
    }
  }

  before(async () => {
    server = await startLambdaServer({
      manifest: loadManifest(path.join(project.dir, 'karafka.yml')),
      port: 0,
      concurrency: 2,
      onLogs: (_name, lines) => void logs.push(lines),
    })
  })
  after(async () => {
    await server.close()
    project.remove()
  })

  it('loads the bundle once per worker and reuses the worker: init code runs once, as on AWS', async () => {
    const first = await invoke({ n: 1 })
    const second = await invoke({ n: 2 })
    assert.equal(first.status, 200)
    assert.equal(first.body.pid, second.body.pid, 'the same process')
    assert.deepEqual([first.body.inits, first.body.calls, second.body.inits, second.body.calls], [1, 1, 1, 2])
    assert.deepEqual(logs.slice(0, 2), [['init', 'call 1'], ['call 2']], "each invocation's own log lines")
  })

  it('runs concurrent invocations in workers of their own, up to the concurrency limit; beyond it, 429', async () => {
    const [a, b, c] = await Promise.all([invoke({ n: 3, wait: 300 }), invoke({ n: 4, wait: 300 }), invoke({ n: 5, wait: 300 })])
    const answered = [a, b, c].filter((r) => r.status === 200)
    assert.equal(answered.length, 2, 'two workers at most')
    assert.equal(new Set(answered.map((r) => r.body.pid)).size, 2, 'in two processes')
    assert.equal([a, b, c].filter((r) => r.status === 429).length, 1)
  })

  it('a handler error keeps the worker; a timeout or a crash replaces it, and the next invocation inits anew', async () => {
    await invoke({ n: 6 })
    const failed = await invoke({ n: 7, fail: true })
    assert.equal(failed.error, 'Unhandled')
    assert.deepEqual([failed.body.errorType, failed.body.errorMessage], ['TypeError', 'failed 7'])
    const after = await invoke({ n: 8 })
    assert.equal(after.body.inits, 1)
    assert.ok(Number(after.body.calls) >= 2, 'a failed invocation leaves its worker warm: the next one counts on')

    const timedOut = await invoke({ n: 9, wait: 5_000 })
    assert.equal(timedOut.error, 'Unhandled')
    assert.equal(timedOut.body.errorType, 'Sandbox.Timedout')
    const crashed = await invoke({ n: 10, crash: true })
    assert.equal(crashed.body.errorType, 'Runtime.ExitError')
    assert.match(String(crashed.body.errorMessage), /exit status 3/)
    const fresh = await Promise.all([invoke({ n: 11 }), invoke({ n: 12 })])
    for (const answer of fresh) assert.equal(answer.status, 200)
    assert.ok(
      fresh.some((answer) => answer.body.inits === 1 && answer.body.calls === 1),
      'a replaced worker loads the bundle anew',
    )
  })

  it('a worker that dies while idle is not handed the next invocation: a fresh one is', async () => {
    const answered = await invoke({ n: 13, crashLater: true })
    assert.equal(answered.status, 200)
    await new Promise((resolve) => setTimeout(resolve, 300)) // its timer throws meanwhile, and the process exits
    const next = await invoke({ n: 14 })
    assert.equal(next.error, null, `answered, not timed out: ${JSON.stringify(next.body)}`)
    assert.notEqual(next.body.pid, answered.body.pid)
  })
})
