import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda'
import { KarafkaError } from '../errors/index.js'
import type { Monitor } from '../instrumentation/monitor.js'
import { type AwsKafkaEvent, type AwsKafkaRecord, fromAwsStaged, type PartialResult, toAwsRecord } from '../lambda/event.js'
import { codegenFingerprint } from '../manifest/fingerprint.js'
import type { Manifest } from '../manifest/types.js'
import { traceHeaders } from '../observability/tracing.js'
import type { StagedRecord } from '../producer/staged.js'
import { isTransientAwsError } from '../retry/aws-errors.js'
import type { InvokeRequest, InvokeResult, Invoker } from './invoker.js'

/** Lambda's limit for a synchronous request payload, with room for the envelope. */
export const MAX_EVENT_BYTES = 6 * 1024 * 1024 - 16 * 1024

/**
 * Runs handlers as Lambda functions: one synchronous Invoke per partition batch (split to stay
 * under 6 MB) of `${functionPrefix}${group}-${topic}` at the manifest's alias, with AWS's own
 * Kafka event. A FunctionError (handled, unhandled, timeout) is a failed attempt; throttling and
 * network errors are transient: backed off, not counted. AWS_ENDPOINT_URL_LAMBDA points it elsewhere.
 */
export function createLambdaInvoker(
  manifest: Manifest,
  monitor: Monitor,
  client: LambdaClient = createLambdaClient(manifest, { localCredentials: true }),
): Invoker {
  const alias = manifest.lambda?.alias ?? 'live'
  // The server checked its own generated code against the manifest at start: this is its fingerprint.
  const fingerprint = codegenFingerprint(manifest)
  return {
    async invoke({ route, records, context }: InvokeRequest): Promise<InvokeResult> {
      const functionName = route.functionName
      if (!functionName) throw new KarafkaError('INVOKE_FAILED', `route ${route.group}/${route.topic} has no Lambda function`)
      const batchKey = `${route.topic}-${context.partition}`
      const ref = { group: route.group, topic: route.topic, partition: context.partition }
      const where = { topic: route.topic, partition: context.partition, route: `${route.group}/${route.topic}` }
      // The broker stamps records itself when the topic says so: AWS's event says which time it is.
      const timestampType =
        manifest.topics[route.topic]?.config['message.timestamp.type'] === 'LogAppendTime' ? 'LOG_APPEND_TIME' : 'CREATE_TIME'
      let consumed: string | undefined
      // A transactional route's function answers with what it published: the runner writes it with the offsets.
      const transactional = route.transactional === true
      const published: StagedRecord[] = []
      const withRecords = transactional ? { records: published } : {}
      const chunks = splitRecords(records.map((record) => toAwsRecord(record, timestampType)))
      for (let chunk = chunks.shift(); chunk !== undefined; chunk = chunks.shift()) {
        const event: AwsKafkaEvent = {
          eventSource: 'SelfManagedKafka',
          bootstrapServers: manifest.app.brokers.join(','),
          records: { [batchKey]: chunk },
          karafka: {
            partial: true,
            attempt: context.attempt,
            group: route.group,
            fingerprint,
            ...(transactional ? { transactional: true } : {}),
            ...withTrace(),
          },
        }
        const payload = Buffer.from(JSON.stringify(event))
        monitor.emit('lambda.invoke', () => ({ ...ref, functionName, messages: chunk.length, bytes: payload.length }))
        const started = performance.now()
        let response: InvokeCommandOutput
        try {
          response = await client.send(
            new InvokeCommand({ FunctionName: functionName, Qualifier: alias, InvocationType: 'RequestResponse', Payload: payload }),
            { abortSignal: context.signal },
          )
        } catch (error) {
          const err = error as Error & { $metadata?: { httpStatusCode?: number }; name: string }
          // The poller stopped waiting (the partition was lost, or the shutdown timeout ran out): not an invocation that failed.
          // The function itself runs on to its end or its timeout; Lambda has no way to stop it.
          if (!context.signal.aborted) monitor.emit('error.occurred', { type: 'lambda.invoke.error', error: err, ...ref })
          // Throttled, a network or server failure, or no answer at all: the function did not fail, so it is not an attempt.
          const transient = isTransientAwsError(err) || err.$metadata?.httpStatusCode === undefined
          return {
            consumed,
            ...withRecords,
            error: new KarafkaError('INVOKE_FAILED', `invoking ${functionName}:${alias} failed: ${err.name}: ${err.message}`, {
              cause: err,
              retriable: transient,
            }),
            transient,
          }
        }
        const body = response.Payload ? Buffer.from(response.Payload).toString('utf8') : ''
        monitor.emit('lambda.invoked', () => ({
          ...ref,
          functionName,
          messages: chunk.length,
          durationMs: Math.round(performance.now() - started),
          statusCode: response.StatusCode ?? 0,
          functionError: response.FunctionError,
        }))
        if (response.FunctionError) {
          const detail = parseJson(body) as { errorType?: string; errorMessage?: string } | undefined
          const error = new KarafkaError(
            'FUNCTION_ERROR',
            `${functionName} failed (${response.FunctionError}): ${detail?.errorType ?? 'Error'}: ${detail?.errorMessage ?? body}`,
            where,
          )
          return { consumed, ...withRecords, error: named(error, detail?.errorType ?? 'FunctionError') }
        }
        const result = parseJson(body) as PartialResult | undefined
        if (!result || typeof result.consumed !== 'object') {
          return {
            consumed,
            ...withRecords,
            error: new KarafkaError(
              'INVOKE_FAILED',
              `${functionName} answered without a partial result; is it a karafka-ts entry? (${body.slice(0, 200)})`,
              where,
            ),
          }
        }
        if (result.error?.code === 'RESPONSE_TOO_LARGE') {
          // Nothing of this invocation counts: the same records again, in halves, until what each publishes fits.
          if (chunk.length > 1) {
            chunks.unshift(chunk.slice(0, Math.ceil(chunk.length / 2)), chunk.slice(Math.ceil(chunk.length / 2)))
            continue
          }
          const error = new KarafkaError('HANDLER_FAILED', `${functionName}: offset ${chunk[0]!.offset}: ${result.error.message}`, where)
          return { consumed, ...withRecords, error }
        }
        consumed = result.consumed[batchKey] ?? consumed
        published.push(...fromAwsStaged(result.records ?? []))
        if (result.error?.code === 'CODEGEN_STALE') {
          // Not the handler's failure: wait (uncounted) for a deploy that matches the poller.
          return {
            consumed,
            ...withRecords,
            error: new KarafkaError('CODEGEN_STALE', `${functionName}: ${result.error.message}`, where),
            transient: true,
          }
        }
        if (result.error) {
          return {
            consumed,
            ...withRecords,
            error: named(new KarafkaError('HANDLER_FAILED', result.error.message, where), result.error.name),
          }
        }
      }
      // Returning means everything was consumed: a function that says less without an error is not trusted with a skip.
      const last = records.at(-1)?.offset
      if (consumed !== last) {
        return {
          consumed,
          ...withRecords,
          error: new KarafkaError(
            'INVOKE_FAILED',
            `${functionName} answered without an error but consumed only up to offset ${consumed ?? '(none)'} of ${records[0]?.offset}-${last}`,
            where,
          ),
        }
      }
      return { consumed, ...withRecords }
    },
  }
}

/** Splits records so that each event's JSON stays under the synchronous payload limit. */
export function splitRecords(records: AwsKafkaRecord[], limit = MAX_EVENT_BYTES): AwsKafkaRecord[][] {
  const chunks: AwsKafkaRecord[][] = []
  let current: AwsKafkaRecord[] = []
  let size = 512
  for (const record of records) {
    const bytes = Buffer.byteLength(JSON.stringify(record)) + 1
    if (current.length > 0 && size + bytes > limit) {
      chunks.push(current)
      current = []
      size = 512
    }
    current.push(record)
    size += bytes
  }
  if (current.length > 0) chunks.push(current)
  return chunks
}

/**
 * A Lambda client for the manifest's region; AWS_ENDPOINT_URL_LAMBDA is honoured by the SDK.
 * With `localCredentials`, a loopback endpoint (karafka lambda serve) works without AWS credentials.
 */
export function createLambdaClient(manifest: Manifest, { localCredentials = false } = {}): LambdaClient {
  const endpoint = process.env.AWS_ENDPOINT_URL_LAMBDA ?? process.env.AWS_ENDPOINT_URL
  const local = localCredentials && endpoint !== undefined && /\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(endpoint)
  return new LambdaClient({
    region: manifest.lambda?.region ?? process.env.AWS_REGION ?? 'us-east-1',
    maxAttempts: 1,
    // A local endpoint (karafka lambda serve) needs no real credentials.
    ...(local && !process.env.AWS_ACCESS_KEY_ID ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  })
}

/** The error under the name of the error class the function reported: dead-letter records carry it as error_class. */
function named(error: KarafkaError, name: string): KarafkaError {
  error.name = name
  return error
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** The active trace context for the event, when there is one. */
function withTrace(): { trace?: Record<string, string> } {
  const trace = traceHeaders()
  return trace ? { trace } : {}
}
