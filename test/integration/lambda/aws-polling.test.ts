import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { buildFunctions, lambdaRoutes } from '../../../src/lambda/build.js'
import type { AwsKafkaEvent, AwsKafkaRecord } from '../../../src/lambda/event.js'
import { type LambdaServer, startLambdaServer } from '../../../src/lambda/serve.js'
import { createTestApp, type TestApp } from '../../helpers/app.js'
import { readRecords, uniqueName } from '../../helpers/kafka.js'

// AWS's documented sample events (with-kafka.html, with-msk.html); their records are replaced by the test's.
const sample = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/aws/${name}`, import.meta.url), 'utf8')) as AwsKafkaEvent
const SELF_MANAGED = sample('self-managed-kafka-event.json')
const MSK = sample('msk-event.json')

/** A record of the sample's shape: a user's event (by email), a value that is not JSON ("!..."), or a tombstone (null). */
function record(topic: string, partition: number, offset: number, email: string | null): AwsKafkaRecord {
  const { value: _value, ...template } = SELF_MANAGED.records['mytopic-0']![0]!
  const value =
    email === null
      ? undefined
      : email.startsWith('!')
        ? email.slice(1)
        : JSON.stringify({ event_name: 'user_joined', payload: { id: offset, email } })
  return {
    ...template,
    topic,
    partition,
    offset,
    key: Buffer.from(String(offset)).toString('base64'),
    ...(value === undefined ? {} : { value: Buffer.from(value).toString('base64') }),
  }
}

describe("a function AWS's event source mapping polls, invoked with AWS's events (real broker, karafka lambda serve)", () => {
  const topic = uniqueName('welcome')
  const group = uniqueName('mailer')
  let app: TestApp
  let serve: LambdaServer
  let client: LambdaClient
  const logs: string[] = []

  before(async () => {
    app = await createTestApp(
      'aws-polling',
      `app:
  clientId: aws-polling-test
  brokers: \${KAFKA_BROKERS}
lambda:
  region: us-east-1
  functionPrefix: esm-
  timeout: 10
topics:
  ${topic}:
    partitions: 2
    key: id
    events:
      user_joined: { id: integer, email: string }
consumerGroups:
  ${group}:
    topics:
      ${topic}: { handler: handlers/welcome.ts, backend: lambda, poller: aws, deadLetter: ${topic}.dlq }
`,
      {
        'handlers/welcome.ts': `import { defineConsumer } from '../generated/karafka.js'
export default defineConsumer('${group}', '${topic}', async (messages, ctx) => {
  for (const m of messages) {
    ctx.logger.info('handled ' + m.partition + '@' + m.offset + ' ' + (m.tombstone ? 'tombstone' : m.payload.email))
    if (!m.tombstone && m.payload.email === 'fail@example.com') throw new Error('the mail server refused')
    ctx.markAsConsumed(m)
  }
})
`,
      },
    )
    await buildFunctions(app.manifest, lambdaRoutes(app.manifest))
    serve = await startLambdaServer({ manifest: app.manifest, port: 0, onLogs: (_name, lines) => logs.push(...lines) })
    client = new LambdaClient({ region: 'us-east-1', endpoint: serve.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } })
  })
  after(async () => {
    client?.destroy()
    await serve?.close()
    await app?.remove()
  })

  const invoke = async (event: AwsKafkaEvent) => {
    const response = await client.send(
      new InvokeCommand({ FunctionName: app.manifest.routes[0]!.functionName, Payload: Buffer.from(JSON.stringify(event)) }),
    )
    assert.equal(response.FunctionError, undefined, Buffer.from(response.Payload ?? []).toString())
    return JSON.parse(Buffer.from(response.Payload!).toString()) as unknown
  }
  const handled = () => logs.filter((line) => line.includes('handled ')).map((line) => line.replace(/^.*handled /, ''))

  it('self-managed: an invalid message is dead-lettered on the broker with the poller headers, a tombstone handled, the batch succeeds', async () => {
    const event = {
      ...SELF_MANAGED,
      records: {
        [`${topic}-0`]: [
          record(topic, 0, 15, 'a@example.com'),
          record(topic, 0, 16, '!not json'),
          record(topic, 0, 17, null),
          record(topic, 0, 18, 'b@example.com'),
        ],
      },
    }
    assert.deepEqual(await invoke(event), { batchItemFailures: [] })
    assert.deepEqual(handled(), ['0@15 a@example.com', '0@17 tombstone', '0@18 b@example.com'])
    const [dead] = await readRecords(`${topic}.dlq`, 1)
    assert.deepEqual(
      { ...dead, headers: { ...dead!.headers, error_message: dead!.headers.error_message?.slice(0, 21) } },
      {
        key: '16',
        value: 'not json',
        headers: {
          headerKey: 'headerValue',
          source_topic: topic,
          source_partition: '0',
          source_offset: '16',
          source_consumer_group: group,
          error_class: 'InvalidMessage',
          error_message: 'the value is not JSON',
          attempts: '0',
        },
      },
    )
  })

  it("MSK: a handler failure halfway answers batchItemFailures from the record that failed, in AWS's shape", async () => {
    logs.length = 0
    const event = {
      ...MSK,
      records: {
        [`${topic}-1`]: [40, 41, 42].map((offset, i) => record(topic, 1, offset, i === 1 ? 'fail@example.com' : `${offset}@example.com`)),
      },
    }
    assert.deepEqual(await invoke(event), {
      batchItemFailures: [
        { itemIdentifier: { partition: `${topic}-1`, offset: 41 } },
        { itemIdentifier: { partition: `${topic}-1`, offset: 42 } },
      ],
    })
    assert.deepEqual(handled(), ['1@40 40@example.com', '1@41 fail@example.com'])
    assert.ok(
      logs.some((line) => /offset 41: the handler failed \(Error: the mail server refused\)/.test(line)),
      logs.join('\n'),
    )
  })
})
