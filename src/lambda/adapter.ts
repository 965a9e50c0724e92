import { decodeRecord, isInvalidRecord } from '../consumer/decode.js'
import type { ConsumerContext, ConsumerDefinition, Message } from '../consumer/types.js'
import { KarafkaError } from '../errors/index.js'
import type { Logger } from '../instrumentation/logger.js'
import { contextFrom, endProcessSpan, flushTraces, startProcessSpan, withSpan } from '../observability/tracing.js'
import { resolveAppConfig } from '../producer/app-config.js'
import { createProducerRuntime } from '../producer/producer-runtime.js'
import { createResponderSet } from '../producer/responders.js'
import { type StagedRecord, StagedSender } from '../producer/staged.js'
import { consumeForAws, type RunBatch } from './aws-batch.js'
import { type AwsKafkaEvent, fromAwsRecord, type KafkaBatchResponse, MAX_RESPONSE_BYTES, type PartialResult, toAwsStaged } from './event.js'
import { loadSecrets } from './secrets.js'

/** The part of Lambda's context the adapter uses. */
export interface LambdaContextLike {
  getRemainingTimeInMillis?(): number
}

/** What a generated entry tells the adapter about its route. */
export interface LambdaHandlerOptions {
  /** `aws` when AWS's event source mapping polls the route: its events are answered with `batchItemFailures`. */
  poller?: 'karafka' | 'aws'
  /** The route's dead-letter topic: under AWS's mapping, the function writes invalid messages there itself. */
  deadLetter?: string
  /** The Kafka consumer group AWS's mapping consumes as (the dead letters' source_consumer_group). */
  consumerGroupId?: string
}

/**
 * The handler of a generated Lambda entry: AWS's Kafka event in (self-managed or MSK); out, a
 * partial result when the karafka poller asked for one, AWS's partial batch answer on a route
 * AWS polls, and nothing otherwise.
 */
export type KafkaLambdaHandler = (
  event: AwsKafkaEvent,
  context?: LambdaContextLike,
) => Promise<PartialResult | KafkaBatchResponse | undefined>

/** The longest the entry waits for the tracer provider to export before answering. */
const FLUSH_TRACES_MS = 2_000

const DEADLINE_MARGIN_MS = 1_000

/**
 * The Lambda handler behind a generated entry: decodes AWS's Kafka event, validates each
 * record, and runs the route's handler once per partition batch with a `ctx.signal` that
 * fires a second before the function's deadline. Three ways to answer:
 * - the karafka poller asked for a partial result (`karafka.partial`): what was consumed, and the error;
 * - a route AWS's event source mapping polls (`poller: 'aws'`): `batchItemFailures` from the first
 *   record not consumed in each partition that failed, the others going on; an invalid message is
 *   written to the dead-letter topic by the function itself, and the batch goes on;
 * - otherwise it throws on any failure, so that AWS's mapping retries the whole batch.
 */
export function createLambdaHandler<E, R>(definition: ConsumerDefinition<E, R>, options: LambdaHandlerOptions = {}): KafkaLambdaHandler {
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
    const deadline = new AbortController()
    const remaining = context?.getRemainingTimeInMillis?.()
    const timer =
      remaining === undefined
        ? undefined
        : setTimeout(
            () => deadline.abort(new KarafkaError('LAMBDA_DEADLINE', 'the Lambda deadline is near')),
            Math.max(0, remaining - DEADLINE_MARGIN_MS),
          )
    const transactional = partial && event.karafka?.transactional === true
    const runBatch: RunBatch = async (messages) => {
      const first = messages[0]!
      let consumed: string | undefined
      // A transactional route's function publishes nothing itself: the poller writes what it staged, with the offsets.
      const staged = transactional ? new StagedSender() : undefined
      const ctx: ConsumerContext<unknown> = {
        group: event.karafka?.group ?? definition.group,
        topic: first.topic,
        partition: first.partition,
        attempt: event.karafka?.attempt ?? 1,
        logger: consoleLogger,
        signal: deadline.signal,
        markAsConsumed: (message) => {
          consumed = message.offset
          staged?.mark()
        },
        responders: staged ? createResponderSet(topology, staged) : responders,
      }
      // The handler's span continues the poller's trace (or the message's, when AWS's own poller invoked the function).
      const span = startProcessSpan(
        { group: ctx.group, topic: first.topic, partition: first.partition },
        messages,
        { 'karafka.attempt': ctx.attempt, 'faas.trigger': 'pubsub' },
        contextFrom(event.karafka?.trace),
      )
      try {
        await withSpan(span, () => fn(messages, ctx))
        endProcessSpan(span)
        return { consumed: messages.at(-1)!.offset, ...(staged ? { records: staged.all() } : {}) }
      } catch (error) {
        endProcessSpan(span, error)
        return { consumed, error, ...(staged ? { records: staged.upToMark() } : {}) }
      }
    }
    try {
      if (!partial && options.poller === 'aws') {
        return await consumeForAws(event, {
          topology,
          runBatch,
          signal: deadline.signal,
          sender: runtime.sender,
          deadLetter: options.deadLetter,
          group: options.consumerGroupId ?? definition.group,
        })
      }
      const consumed: Record<string, string> = {}
      const published: StagedRecord[] = []
      const answer = (error?: PartialResult['error']): PartialResult =>
        fitted({ consumed, ...(error ? { error } : {}), ...(transactional ? { records: toAwsStaged(published) } : {}) })
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
        if (messages.length === 0) continue
        const result = await runBatch(messages)
        if (result.consumed !== undefined) consumed[batchKey] = result.consumed
        published.push(...(result.records ?? []))
        if (result.error === undefined) continue
        if (!partial) throw result.error
        const error = result.error as Error
        return answer({ name: error.name ?? 'Error', message: error.message ?? String(error) })
      }
      return partial ? answer() : undefined
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

/**
 * The answer as it fits in Lambda's 6 MB response; when what a transactional route staged does
 * not fit, an error that makes the poller invoke the function again on fewer records (nothing
 * of this invocation counts).
 */
function fitted(result: PartialResult): PartialResult {
  const bytes = Buffer.byteLength(JSON.stringify(result))
  if (bytes <= MAX_RESPONSE_BYTES) return result
  return {
    consumed: {},
    error: {
      name: 'KarafkaError',
      code: 'RESPONSE_TOO_LARGE',
      message: `what the handler published (${result.records?.length ?? 0} records, ${bytes} bytes as JSON) does not fit in Lambda's 6 MB response`,
    },
  }
}

const consoleLogger: Logger = {
  debug: (message, fields) => console.debug(message, ...(fields ? [fields] : [])),
  info: (message, fields) => console.info(message, ...(fields ? [fields] : [])),
  warn: (message, fields) => console.warn(message, ...(fields ? [fields] : [])),
  error: (message, fields) => console.error(message, ...(fields ? [fields] : [])),
}
