import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { Message } from '../../../src/consumer/types.js'
import { contextFrom, endProcessSpan, startProcessSpan, tracedSend, traceHeaders, withSpan } from '../../../src/observability/tracing.js'

const exporter = new InMemorySpanExporter()
const ref = { group: 'g', topic: 'orders', partition: 1 }
const message = (offset: number, headers: Record<string, string>): Message => ({
  topic: 'orders',
  partition: 1,
  offset: String(offset),
  key: `k${offset}`,
  timestamp: new Date(0),
  headers,
  event: 'placed',
  payload: {},
  tombstone: false,
})

/** Sends one record through tracedSend and returns the headers it went out with. */
async function send(key: string): Promise<Record<string, string>> {
  const headers: Record<string, string> = { event_name: 'placed' }
  await tracedSend('orders', key, false, headers, async () => ({ partition: 1, offset: '7' }))
  return headers
}

describe('tracing through the OpenTelemetry API', () => {
  before(() => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }))
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
    propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  })
  after(() => {
    trace.disable()
    context.disable()
    propagation.disable()
  })

  it('a send is a producer span whose context goes out in the W3C headers', async () => {
    exporter.reset()
    const headers = await send('k1')
    const [span] = exporter.getFinishedSpans()
    assert.equal(span!.name, 'send orders')
    assert.equal(span!.kind, SpanKind.PRODUCER)
    assert.deepEqual(
      [
        span!.attributes['messaging.destination.partition.id'],
        span!.attributes['messaging.kafka.offset'],
        span!.attributes['messaging.kafka.message.key'],
      ],
      ['1', 7, 'k1'],
    )
    assert.equal(headers.traceparent, `00-${span!.spanContext().traceId}-${span!.spanContext().spanId}-01`)
  })

  it('a call on one message continues its trace; on several, starts one linked to each', async () => {
    const [a, b] = [await send('a'), await send('b')]
    exporter.reset()
    endProcessSpan(startProcessSpan(ref, [message(0, a)]))
    endProcessSpan(startProcessSpan(ref, [message(0, a), message(1, b), message(2, {})]))
    const [single, batch] = exporter.getFinishedSpans()
    const producerOf = (headers: Record<string, string>) => trace.getSpanContext(propagation.extract(ROOT_CONTEXT, headers))!
    assert.equal(single!.parentSpanContext?.spanId, producerOf(a).spanId)
    assert.equal(single!.spanContext().traceId, producerOf(a).traceId)
    assert.equal(batch!.parentSpanContext, undefined, 'a new trace')
    assert.deepEqual(
      batch!.links.map((l) => [l.context.spanId, l.attributes?.['messaging.kafka.offset']]),
      [
        [producerOf(a).spanId, 0],
        [producerOf(b).spanId, 1],
      ],
      'linked to the messages that carry a context',
    )
    assert.equal(batch!.attributes['messaging.batch.message_count'], 3)
  })

  it('what runs inside a process span continues it, also across a Lambda event', async () => {
    exporter.reset()
    const poller = startProcessSpan(ref, [message(0, {}), message(1, {})])
    const carried = withSpan(poller, () => traceHeaders())
    const inFunction = startProcessSpan(ref, [message(0, {})], {}, contextFrom(carried))
    await withSpan(inFunction, () => send('k'))
    endProcessSpan(inFunction, new Error('boom'))
    endProcessSpan(poller)
    const spans = exporter.getFinishedSpans()
    const sent = spans.find((s) => s.name === 'send orders')!
    const fn = spans.find((s) => s.spanContext().spanId === inFunction.spanContext().spanId)!
    assert.equal(fn.parentSpanContext?.spanId, poller.spanContext().spanId)
    assert.equal(sent.parentSpanContext?.spanId, inFunction.spanContext().spanId)
    assert.equal(fn.status.code, 2, 'a failed call is an error span')
  })
})
