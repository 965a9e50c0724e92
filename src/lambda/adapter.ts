import { decodeRecord, isInvalidRecord } from '../consumer/decode.js'
import type { ConsumerContext, ConsumerDefinition, Message } from '../consumer/types.js'
import { KarafkaError } from '../errors/index.js'
import type { Logger } from '../instrumentation/logger.js'
import { contextFrom, endProcessSpan, flushTraces, startProcessSpan, withSpan } from '../observability/tracing.js'
import { resolveAppConfig } from '../producer/app-config.js'
import { createProducerRuntime } from '../producer/producer-runtime.js'
import { createResponderSet } from '../producer/responders.js'
import { type AwsKafkaEvent, fromAwsRecord, type PartialResult } from './event.js'
import { loadSecrets } from './secrets.js'

/** The part of Lambda's context the adapter uses. */
export interface LambdaContextLike {
  getRemainingTimeInMillis?(): number
}

/** The handler of a generated Lambda entry: AWS's Kafka event in; a partial result out when the karafka poller asked for one. */
export type KafkaLambdaHandler = (event: AwsKafkaEvent, context?: LambdaContextLike) => Promise<PartialResult | undefined>

/** The longest the entry waits for the tracer provider to export before answering. */
const FLUSH_TRACES_MS = 2_000

const DEADLINE_MARGIN_MS = 1_000

/**
 * The Lambda handler behind a generated entry: decodes AWS's Kafka event, validates each
 * record, and runs the route's handler once per partition batch with a `ctx.signal` that
 * fires a second before the function's deadline. When the karafka poller asks for a
 * partial result it answers with what was consumed (and the error); otherwise it throws,
 * as AWS's own event source mapping expects.
 */
export function createLambdaHandler<E, R>(definition: ConsumerDefinition<E, R>): KafkaLambdaHandler {
  const { topology } = definition
  const runtime = createProducerRuntime(() => resolveAppConfig(topology.app, process.env, topology.root), { topics: topology.topics })
  const responders = createResponderSet(topology, runtime.sender)
  const fn = definition.fn as unknown as (messages: Message[], ctx: ConsumerContext<unknown>) => Promise<void> | void
  // The function's secret (lambda.secrets), read once per execution environment before anything connects.
  let secrets: Promise<unknown> | undefined

  return async (event, context) => {
    secrets ??= loadSecrets().catch((error: unknown) => {
      secrets = undefined // the next invocation tries again
      throw error
    })
    await secrets
    const partial = event.karafka?.partial === true
    // The poller runs generated code of its own: schemas that differ from this function's would decode differently.
    const theirs = event.karafka?.fingerprint
    if (partial && theirs !== undefined && theirs !== topology.fingerprint) {
      const message = `this function was built from another version of karafka.yml than the poller's (fingerprint ${topology.fingerprint}, the poller's ${theirs}): run karafka codegen, then karafka deploy`
      return { consumed: {}, error: { name: 'KarafkaError', code: 'CODEGEN_STALE', message } }
    }
    const consumed: Record<string, string> = {}
    const deadline = new AbortController()
    const remaining = context?.getRemainingTimeInMillis?.()
    const timer =
      remaining === undefined
        ? undefined
        : setTimeout(
            () => deadline.abort(new KarafkaError('LAMBDA_DEADLINE', 'the Lambda deadline is near')),
            Math.max(0, remaining - DEADLINE_MARGIN_MS),
          )
    try {
      for (const [batchKey, records] of Object.entries(event.records)) {
        const messages: Message[] = []
        for (const record of records.map(fromAwsRecord)) {
          const decoded = decodeRecord(topology, record)
          if (isInvalidRecord(decoded)) {
            throw new KarafkaError('MESSAGE_INVALID', `${record.topic}/${record.partition} offset ${record.offset}: ${decoded.reason}`, {
              topic: record.topic,
              partition: record.partition,
              offset: record.offset,
            })
          }
          messages.push(decoded)
        }
        const first = messages[0]
        if (!first) continue
        const ctx: ConsumerContext<unknown> = {
          group: event.karafka?.group ?? definition.group,
          topic: first.topic,
          partition: first.partition,
          attempt: event.karafka?.attempt ?? 1,
          logger: consoleLogger,
          signal: deadline.signal,
          markAsConsumed: (message) => {
            consumed[batchKey] = message.offset
          },
          responders,
        }
        // The handler's span continues the poller's trace (or starts one when AWS's own poller invoked the function).
        const span = startProcessSpan(
          { group: ctx.group, topic: first.topic, partition: first.partition },
          messages,
          { 'karafka.attempt': ctx.attempt, 'faas.trigger': 'pubsub' },
          contextFrom(event.karafka?.trace),
        )
        try {
          await withSpan(span, () => fn(messages, ctx))
          consumed[batchKey] = messages.at(-1)!.offset
          endProcessSpan(span)
        } catch (error) {
          endProcessSpan(span, error)
          if (!partial) throw error
          return { consumed, error: { name: (error as Error).name ?? 'Error', message: (error as Error).message ?? String(error) } }
        }
      }
      return partial ? { consumed } : undefined
    } finally {
      if (timer) clearTimeout(timer)
      try {
        await runtime.sender.flush()
      } finally {
        // The sends' spans end with the flush; then the spans go out before the function is frozen,
        // waiting at most 2 s and never past the deadline margin (an exporter that hangs loses its spans, not the answer).
        const left = context?.getRemainingTimeInMillis?.()
        await flushTraces(Math.min(FLUSH_TRACES_MS, left === undefined ? FLUSH_TRACES_MS : Math.max(0, left - DEADLINE_MARGIN_MS)))
      }
    }
  }
}

const consoleLogger: Logger = {
  debug: (message, fields) => console.debug(message, ...(fields ? [fields] : [])),
  info: (message, fields) => console.info(message, ...(fields ? [fields] : [])),
  warn: (message, fields) => console.warn(message, ...(fields ? [fields] : [])),
  error: (message, fields) => console.error(message, ...(fields ? [fields] : [])),
}
