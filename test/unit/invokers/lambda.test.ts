import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { LambdaClient } from '@aws-sdk/client-lambda'
import type { RawRecord } from '../../../src/consumer/decode.js'
import { Monitor } from '../../../src/instrumentation/monitor.js'
import type { InvokeRequest } from '../../../src/invokers/invoker.js'
import { createLambdaInvoker } from '../../../src/invokers/lambda.js'
import { loadManifest } from '../../../src/manifest/index.js'
import type { Route } from '../../../src/manifest/types.js'
import { tempProject } from '../../helpers/project.js'

// How the invoker reads Lambda's answers, against a fake client: the real Invoke API is
// exercised by test/integration/lambda and the Lambda fault tests.
const project = tempProject({
  'karafka.yml':
    'app: { clientId: l, brokers: "127.0.0.1:1" }\nlambda: { region: us-east-1 }\ntopics:\n  jobs:\n    events:\n      job: { id: string }\nconsumerGroups:\n  g:\n    topics:\n      jobs: { handler: handlers/jobs.ts, backend: lambda }\n',
})
const manifest = loadManifest(`${project.dir}/karafka.yml`, { env: {} })
project.remove()
const route = manifest.routes[0] as Route

const record = (offset: number): RawRecord => ({
  topic: 'jobs',
  partition: 0,
  offset: String(offset),
  key: null,
  value: Buffer.from('{}'),
  timestamp: '0',
  headers: {},
})
const request = (): InvokeRequest => ({
  route,
  messages: [],
  records: [record(5), record(6)],
  context: { group: 'g', topic: 'jobs', partition: 0, attempt: 1, logger: console, signal: new AbortController().signal },
})
const answering = (answer: { Payload?: unknown; FunctionError?: string } | Error) =>
  ({
    send: async () => {
      if (answer instanceof Error) throw answer
      return { StatusCode: 200, ...answer, Payload: Buffer.from(JSON.stringify(answer.Payload)) }
    },
  }) as unknown as LambdaClient

describe('the Lambda invoker', () => {
  it('takes a partial answer: consumed up to an offset, then the handler error under its own class name', async () => {
    const invoker = createLambdaInvoker(
      manifest,
      new Monitor(),
      answering({ Payload: { consumed: { 'jobs-0': '5' }, error: { name: 'TypeError', message: 'bad job' } } }),
    )
    const result = await invoker.invoke(request())
    assert.equal(result.consumed, '5')
    assert.equal(result.error?.name, 'TypeError')
    assert.equal((result.error as { code?: string }).code, 'HANDLER_FAILED')
    assert.equal(result.transient, undefined)
  })

  it('does not trust an answer without an error that consumed less than the batch: that is a failure, never a skip', async () => {
    const result = await createLambdaInvoker(manifest, new Monitor(), answering({ Payload: { consumed: { 'jobs-0': '5' } } })).invoke(
      request(),
    )
    assert.equal(result.consumed, '5')
    assert.equal((result.error as { code?: string }).code, 'INVOKE_FAILED')
  })

  it('a function error is a failed attempt, named after the error type the function reported', async () => {
    const result = await createLambdaInvoker(
      manifest,
      new Monitor(),
      answering({ FunctionError: 'Unhandled', Payload: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out' } }),
    ).invoke(request())
    assert.equal(result.error?.name, 'Sandbox.Timedout')
    assert.equal((result.error as { code?: string }).code, 'FUNCTION_ERROR')
    assert.equal(result.transient, undefined)
  })

  it('a function built from another manifest, throttling and network failures wait without counting', async () => {
    const stale = await createLambdaInvoker(
      manifest,
      new Monitor(),
      answering({
        Payload: {
          consumed: {},
          error: { name: 'KarafkaError', code: 'CODEGEN_STALE', message: 'run karafka codegen, then karafka deploy' },
        },
      }),
    ).invoke(request())
    assert.equal((stale.error as { code?: string }).code, 'CODEGEN_STALE')
    assert.equal(stale.transient, true)
    const throttled = Object.assign(new Error('Rate Exceeded.'), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } })
    assert.equal((await createLambdaInvoker(manifest, new Monitor(), answering(throttled)).invoke(request())).transient, true)
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3001'), { code: 'ECONNREFUSED', $metadata: {} })
    assert.equal((await createLambdaInvoker(manifest, new Monitor(), answering(refused)).invoke(request())).transient, true)
    const missing = Object.assign(new Error('Function not found'), {
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    })
    assert.equal((await createLambdaInvoker(manifest, new Monitor(), answering(missing)).invoke(request())).transient, false)
  })

  it("on a transactional route, tells the function, takes what it published, and invokes again in halves when that did not fit in Lambda's response", async () => {
    const events: { offsets: number[]; transactional: unknown }[] = []
    const client = {
      send: async (command: { input: { Payload: Uint8Array } }) => {
        const event = JSON.parse(Buffer.from(command.input.Payload).toString()) as {
          records: Record<string, { offset: number }[]>
          karafka: { transactional?: boolean }
        }
        const offsets = event.records['jobs-0']!.map((r) => r.offset)
        events.push({ offsets, transactional: event.karafka.transactional })
        // Two records publish more than fits; one at a time fits.
        const answer =
          offsets.length > 1
            ? { consumed: {}, error: { name: 'KarafkaError', code: 'RESPONSE_TOO_LARGE', message: 'does not fit' } }
            : {
                consumed: { 'jobs-0': String(offsets[0]) },
                records: [
                  {
                    topic: 'out',
                    key: Buffer.from(`k${offsets[0]}`).toString('base64'),
                    value: null,
                    headers: { h: Buffer.from('v').toString('base64') },
                  },
                ],
              }
        return { StatusCode: 200, Payload: Buffer.from(JSON.stringify(answer)) }
      },
    } as unknown as LambdaClient
    const result = await createLambdaInvoker(manifest, new Monitor(), client).invoke({
      ...request(),
      route: { ...route, transactional: true },
    })
    assert.deepEqual(
      events.map((e) => [e.offsets, e.transactional]),
      [
        [[5, 6], true],
        [[5], true],
        [[6], true],
      ],
    )
    assert.equal(result.error, undefined)
    assert.equal(result.consumed, '6')
    assert.deepEqual(
      result.records?.map(({ topic, record }) => [topic, String(record.key), record.value, String(record.headers?.h)]),
      [
        ['out', 'k5', null, 'v'],
        ['out', 'k6', null, 'v'],
      ],
    )
  })

  it('a single record whose published events do not fit is the handler failing: counted, and dead-lettered in the end', async () => {
    const tooLarge = { consumed: {}, error: { name: 'KarafkaError', code: 'RESPONSE_TOO_LARGE', message: 'does not fit' } }
    const result = await createLambdaInvoker(manifest, new Monitor(), answering({ Payload: tooLarge })).invoke({
      ...request(),
      records: [record(5)],
      route: { ...route, transactional: true },
    })
    assert.equal((result.error as { code?: string }).code, 'HANDLER_FAILED')
    assert.match(result.error!.message, /offset 5: does not fit/)
    assert.equal(result.transient, undefined, 'counted as an attempt')
    assert.deepEqual(result.records, [])
  })
})
