// Observability on the real broker: /metrics scraped while a server consumes, and one trace
// followed from a responder, through the poller, into a Lambda function served by `karafka
// lambda serve` and out through a responder inside it. The test process and the function
// each register the OpenTelemetry SDK, as an app would; the function writes its spans to a file.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { context, propagation, SpanKind, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { buildFunctions, lambdaRoutes } from '../../../src/lambda/build.js'
import { startLambdaServer } from '../../../src/lambda/serve.js'
import { createTestApp, jobsManifest, type TestApp, waitFor } from '../../helpers/app.js'
import { uniqueName } from '../../helpers/kafka.js'

const exporter = new InMemorySpanExporter()

/** The value of one series in a Prometheus scrape (0 when absent). */
function series(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)))
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0
}

describe('observability (real broker)', () => {
  const apps: TestApp[] = []
  before(() => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }))
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
    propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  })
  after(async () => {
    await Promise.all(apps.map((a) => a.remove()))
    trace.disable()
    context.disable()
    propagation.disable()
  })

  it('/metrics counts what the server does and its lag reaches 0; /healthz and /readyz answer', async () => {
    const [topic, group] = [uniqueName('metered'), uniqueName('metrics')]
    const app = await createTestApp(
      'metrics',
      jobsManifest({
        clientId: 'metrics-test',
        topic,
        group,
        partitions: 2,
        route: `batch: { maxSize: 1 }, retry: { attempts: 2, backoffMs: 50, maxBackoffMs: 100 }, deadLetter: ${topic}.dlq`,
      }),
      {
        'handlers/jobs.ts': `import { defineConsumer } from '../generated/karafka.js'
export default defineConsumer('${group}', '${topic}', async (messages) => {
  await new Promise((resolve) => setTimeout(resolve, 5))
  if (messages.some((m) => m.event === 'job' && m.payload.n === 7)) throw new Error('seven never works')
})
`,
      },
    )
    apps.push(app)
    const server = await app.start({ metricsPort: 0 })
    const url = server.metrics!.url
    assert.equal((await fetch(`${url}/healthz`)).status, 200)
    await waitFor('/readyz to say ready', async () => (await fetch(`${url}/readyz`)).status === 200)
    const scrape = async () => (await fetch(`${url}/metrics`)).text()
    const at = { messaging_consumer_group_name: group, messaging_destination_name: topic }
    const processing = { ...at, messaging_operation_name: 'process' }
    const consumed = (text: string) =>
      series(text, 'messaging_client_consumed_messages_total', { ...processing, messaging_destination_partition_id: '0' }) +
      series(text, 'messaging_client_consumed_messages_total', { ...processing, messaging_destination_partition_id: '1' })
    const before = await scrape()
    assert.equal(consumed(before), 0)
    for (let n = 0; n < 60; n++) await app.generated.responders[topic].job({ id: `k${n % 6}`, n })
    // Each delivery counts: the 59 that pass, and twice the one that fails before it is dead-lettered.
    await waitFor('61 deliveries and one dead letter', async () => {
      const text = await scrape()
      return consumed(text) === 61 && text.includes('karafka_dead_letters_total{')
    })
    await waitFor('the lag to reach 0', async () => {
      const text = await scrape()
      const lag = ['0', '1'].map((p) => series(text, 'kafka_consumergroup_lag', { consumergroup: group, topic, partition: p }))
      return text.includes(`kafka_consumergroup_lag{consumergroup="${group}"`) && lag.every((l) => l === 0)
    })
    const text = await scrape()
    const all = (name: string) =>
      series(text, name, { ...at, messaging_destination_partition_id: '0' }) +
      series(text, name, { ...at, messaging_destination_partition_id: '1' })
    assert.equal(all('karafka_dead_letters_total'), 1)
    assert.equal(all('karafka_retries_total'), 1, 'retried once (attempts: 2), then dead-lettered')
    assert.equal(all('karafka_handler_failures_total'), 2)
    assert.ok(all('karafka_offset_commits_total') >= 2)
    assert.equal(all('messaging_process_duration_seconds_count'), 59, 'one observation per handler call that returned')
    assert.ok(all('messaging_process_duration_seconds_sum') >= 0.005 * 59, 'each call waited 5 ms')
    assert.ok(series(text, 'karafka_rebalances_total', { messaging_consumer_group_name: group }) >= 1)
    const ready = (await (await fetch(`${url}/readyz`)).json()) as { ready: boolean; groups: { group: string; ready: boolean }[] }
    assert.deepEqual(ready, { ready: true, groups: [{ group, ready: true }] })
    await server.stop()
    await assert.rejects(fetch(`${url}/healthz`), 'the endpoint closes with the server')
  })

  it('one trace: responder send -> poller process -> Lambda function process -> responder send inside it', async () => {
    const [orders, invoices, group] = [uniqueName('traced'), uniqueName('invoices'), uniqueName('tracing')]
    const app = await createTestApp(
      'tracing',
      `app:
  clientId: tracing-test
  brokers: \${KAFKA_BROKERS}
lambda: { region: us-east-1, functionPrefix: tr-, timeout: 10 }
topics:
  ${orders}:
    key: id
    events:
      order_placed: { id: string }
  ${invoices}:
    key: id
    events:
      invoice_issued: { id: string }
consumerGroups:
  ${group}:
    topics:
      ${orders}: { handler: handlers/orders.ts, backend: lambda }
`,
      {
        // The function registers its own SDK at init, as an app's Lambda would (a layer or its own code), exporting to a file.
        'handlers/orders.ts': `import { appendFileSync } from 'node:fs'
import { context, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { defineConsumer } from '../generated/karafka.js'

const toFile = {
  export(spans: any[], done: (result: { code: number }) => void) {
    appendFileSync(process.env.SPANS_FILE!, spans.map((s) => JSON.stringify({
      name: s.name, kind: s.kind, traceId: s.spanContext().traceId, spanId: s.spanContext().spanId,
      parentSpanId: s.parentSpanContext?.spanId, links: s.links.map((l: any) => l.context.spanId), attributes: s.attributes,
    }) + '\\n').join(''))
    done({ code: 0 })
  },
  shutdown: async () => {},
}
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(toFile)] }))
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
propagation.setGlobalPropagator(new W3CTraceContextPropagator())

export default defineConsumer('${group}', '${orders}', async (messages, ctx) => {
  for (const m of messages) if (m.event === 'order_placed') await ctx.responders['${invoices}'].invoiceIssued({ id: m.payload.id })
})
`,
      },
    )
    apps.push(app)
    const spansFile = path.join(app.dir, 'spans.jsonl')
    await buildFunctions(app.manifest, lambdaRoutes(app.manifest))
    const serve = await startLambdaServer({
      manifest: app.manifest,
      port: 0,
      env: { SPANS_FILE: spansFile },
    })
    process.env.AWS_ENDPOINT_URL_LAMBDA = serve.url
    try {
      exporter.reset()
      await app.generated.responders[orders].orderPlaced({ id: 'o-1' })
      const server = await app.start()
      await waitFor('the poller to process the order', () =>
        exporter.getFinishedSpans().some((s) => s.name === `process ${orders}` && s.kind === SpanKind.CONSUMER),
      )
      await server.stop()
    } finally {
      await serve.close()
      delete process.env.AWS_ENDPOINT_URL_LAMBDA
    }
    const local = exporter.getFinishedSpans()
    const send = local.find((s) => s.name === `send ${orders}`)!
    const poll = local.find((s) => s.name === `process ${orders}`)!
    assert.equal(send.kind, SpanKind.PRODUCER)
    assert.equal(send.attributes['messaging.destination.name'], orders)
    assert.equal(send.attributes['messaging.kafka.message.key'], 'o-1')
    assert.equal(poll.spanContext().traceId, send.spanContext().traceId, 'the poller continues the producer trace')
    assert.equal(poll.parentSpanContext?.spanId, send.spanContext().spanId)
    assert.deepEqual(
      poll.links.map((l) => l.context.spanId),
      [send.spanContext().spanId],
      'and links the message it processed',
    )
    assert.equal(poll.attributes['messaging.consumer.group.name'], group)
    assert.equal(poll.attributes['messaging.batch.message_count'], 1)
    assert.equal(poll.attributes['messaging.kafka.offset'], 0)
    const remote = readFileSync(spansFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { name: string; kind: number; traceId: string; spanId: string; parentSpanId?: string })
    const handler = remote.find((s) => s.name === `process ${orders}`)!
    const published = remote.find((s) => s.name === `send ${invoices}`)!
    assert.ok(handler && published, `the function recorded its spans: ${remote.map((s) => s.name).join(', ')}`)
    assert.equal(handler.traceId, send.spanContext().traceId, 'one trace into the function')
    assert.equal(handler.parentSpanId, poll.spanContext().spanId, "the function's span continues the poller's")
    assert.equal(published.traceId, send.spanContext().traceId, 'and out through its responder')
    assert.equal(published.parentSpanId, handler.spanId)
    assert.equal(published.kind, SpanKind.PRODUCER)
  })
})
