import {
  type Attributes,
  type Context,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api'
import { hasAnyHeader } from '../consumer/decode.js'
import type { Message } from '../consumer/types.js'
import type { PartitionRef } from '../instrumentation/events.js'

// Traces through OpenTelemetry's API: the app brings its SDK and exporter. With none
// registered the API hands out non-recording spans and propagates nothing, so this costs a
// few object allocations per send and per handler call.

const tracer = () => trace.getTracer('karafka-ts')

/** Runs a responder's send inside a `send <topic>` producer span whose context goes out in the record's W3C trace headers. */
export function tracedSend<T extends { partition: number; offset: string }>(
  topic: string,
  key: string | null,
  tombstone: boolean,
  headers: Record<string, string | Buffer>,
  send: () => Promise<T>,
): Promise<T> {
  const active = context.active()
  const span = tracer().startSpan(`send ${topic}`, { kind: SpanKind.PRODUCER }, active)
  // No SDK and no trace to carry on: the send as it is, at no further cost.
  if (!span.isRecording() && !trace.isSpanContextValid(span.spanContext())) return send()
  if (span.isRecording())
    span.setAttributes({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.destination.name': topic,
      ...(key === null ? {} : { 'messaging.kafka.message.key': key }),
      'messaging.kafka.message.tombstone': tombstone,
    })
  propagation.inject(trace.setSpan(active, span), headers)
  return send().then(
    (delivery) => {
      span.setAttributes({
        'messaging.destination.partition.id': String(delivery.partition),
        'messaging.kafka.offset': Number(delivery.offset),
      })
      span.end()
      return delivery
    },
    (error: unknown) => {
      failed(span, error)
      span.end()
      throw error
    },
  )
}

/**
 * A `process <topic>` consumer span for one handler call, linked to the producer span of
 * each message that carries one. It continues `parent` when given (a Lambda function
 * continues the poller's span); otherwise a call on one message continues that message's
 * trace, and a call on several starts its own, linked to each (OpenTelemetry's messaging
 * conventions). End it with {@link endProcessSpan}.
 */
export function startProcessSpan(ref: PartitionRef, messages: readonly Message[], extra: Attributes = {}, parent?: Context): Span {
  const first = messages[0]
  if (!parent) {
    const producer = messages.length === 1 && first ? propagation.extract(ROOT_CONTEXT, first.headers) : undefined
    parent = producer && trace.getSpanContext(producer) ? producer : context.active()
  }
  const span = tracer().startSpan(
    `process ${ref.topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': ref.topic,
        'messaging.destination.partition.id': String(ref.partition),
        'messaging.consumer.group.name': ref.group,
        'messaging.batch.message_count': messages.length,
        ...(first ? { 'messaging.kafka.offset': Number(first.offset) } : {}),
        ...(messages.length === 1 && first ? messageAttributes(first) : {}),
        ...extra,
      },
    },
    parent,
  )
  if (span.isRecording()) {
    const links: Link[] = []
    // Only a message carrying one of the propagator's headers can have a producer to link to: the others are passed over without decoding their headers.
    const fields = propagation.fields()
    for (const message of messages) {
      if (!hasAnyHeader(message, fields)) continue
      const producer = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, message.headers))
      if (producer && trace.isSpanContextValid(producer))
        links.push({ context: producer, attributes: { 'messaging.kafka.offset': Number(message.offset), ...messageAttributes(message) } })
    }
    if (links.length > 0) span.addLinks(links)
  }
  return span
}

/** Runs `fn` with `span` as the active span, so that what it sends continues the trace. */
export function withSpan<T>(span: Span, fn: () => T): T {
  return context.with(trace.setSpan(context.active(), span), fn)
}

/** Ends a process span; an error marks it failed. */
export function endProcessSpan(span: Span, error?: unknown): void {
  if (error !== undefined) failed(span, error)
  span.end()
}

/** The active context as W3C trace headers, for carriers that are not Kafka records (a Lambda event). */
export function traceHeaders(): Record<string, string> | undefined {
  const carrier: Record<string, string> = {}
  propagation.inject(context.active(), carrier)
  return Object.keys(carrier).length > 0 ? carrier : undefined
}

/** The context W3C trace headers carry, if they carry one. */
export function contextFrom(headers: Record<string, string> | undefined): Context | undefined {
  return headers ? propagation.extract(ROOT_CONTEXT, headers) : undefined
}

function messageAttributes(message: Message): Attributes {
  return {
    ...(message.key === null ? {} : { 'messaging.kafka.message.key': message.key }),
    'messaging.kafka.message.tombstone': message.tombstone,
  }
}

function failed(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error))
  span.recordException(err)
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message })
}

/**
 * Exports what the registered SDK still holds (a batch span processor keeps spans for
 * seconds). A Lambda function is frozen as soon as it answers, so its entry calls this
 * before answering; with no SDK it does nothing. An exporter that fails is the SDK's to
 * report: the function's answer does not depend on it, and waits for it at most `timeoutMs`.
 */
export async function flushTraces(timeoutMs: number): Promise<void> {
  const global = trace.getTracerProvider() as { getDelegate?(): unknown }
  const provider = (global.getDelegate?.() ?? global) as { forceFlush?(): Promise<void> }
  const flushing = provider.forceFlush?.().catch(() => {})
  if (!flushing) return
  let timer: NodeJS.Timeout | undefined
  await Promise.race([flushing, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))])
  clearTimeout(timer)
}
