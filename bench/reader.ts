// One reader of the consumer benches, alone in a Node process of its own, as a consumer runs in
// production: the bench process forks this file once per run with what to read, and it answers
// its rate over IPC. Readers that ran one after another inside the bench process inherited each
// other's heap and compiled code (the poller, last in each round, read with kafkajs's decoder
// already optimised by the readers before it), which made their order part of the figures.
// Each reader first reads `warmUp` messages with a group of its own, untimed, so that what is
// timed is the steady state a long-running consumer lives in, not the compiler's first second
// (a 1M-message read lasts 2 to 4 s here, so warming up would otherwise be a large part of it).
import { fork } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ServerOptions } from '../src/server/server.js'
import { benchKafka, rate } from './data.js'

/** The compiled module that gives kafkajs karafka-ts's fixes and speed-ups when it runs before kafkajs loads. */
const BEFORE_KAFKAJS = new URL('../lib/src/kafka/before-kafkajs.js', import.meta.url).href

/** The readers a bench can fork. */
export type ReaderKind = 'bare' | 'bare-parse' | 'bare-parse-decoding' | 'platformatic' | 'platformatic-parse' | 'poller'

export interface ReaderJob {
  kind: ReaderKind
  topic: string
  count: number
  /** Messages read before the timed read (0: none), with a group of their own. */
  warmUp: number
  /** The poller's: the manifest it loads, and the group it runs. */
  manifest?: string
  group?: string
  /** The poller's: the group of its warm-up read (another group of the manifest on the same topic). */
  warmGroup?: string
  options?: Omit<Partial<ServerOptions>, 'manifest' | 'monitor'>
  /** The poller's: an OpenTelemetry tracing SDK registered before it starts. */
  tracing?: boolean
}

export interface ReaderResult {
  rate: number
  /** CPU time (user + system) of the reader's process per message read, in ns, over the timed read: steadier than the rate, which waits on the broker too. */
  cpuNs: number
  /** The poller's: batches handed to the handler, offset commits while it read, and spans exported when tracing. */
  batches?: number
  commits?: number
  spans?: number
}

/**
 * Runs `job` in a fresh Node process (the bench's own flags and loader) and resolves with its result.
 * @throws when the reader fails or exits without answering.
 */
export function runReader(job: ReaderJob): Promise<ReaderResult> {
  // Stock kafkajs (the bare readers) warns of a negative timeout on Node 24 after each response, which src/kafka/request-queue-fix.ts fixes for the poller.
  // The poller, and the parsing consumer compared with its kafkajs, load karafka-ts's kafkajs before anything else does, as `karafka server` does (src/kafka/before-kafkajs.ts).
  const first = job.kind === 'poller' || job.kind === 'bare-parse-decoding' ? ['--import', BEFORE_KAFKAJS] : []
  const child = fork(fileURLToPath(import.meta.url), [JSON.stringify(job)], {
    execArgv: [...process.execArgv, '--disable-warning=TimeoutNegativeWarning', ...first],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    let result: ReaderResult | undefined
    child.on('message', (message) => (result = message as ReaderResult))
    child.on('error', reject)
    child.on('exit', (code) =>
      result ? resolve(result) : reject(new Error(`the ${job.kind} reader exited with ${code} without a result`)),
    )
  })
}

/** A bare kafkajs eachBatch consumer, doing nothing or JSON-parsing each value; the clock starts at the first batch. */
async function bare(topic: string, count: number, parse: boolean, timed: TimedRead | undefined): Promise<ReaderResult> {
  if (count === 0) return { rate: 0, cpuNs: 0 }
  const consumer = benchKafka().consumer({ groupId: `bare-${process.pid}-${Date.now()}`, maxWaitTimeInMs: 50 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  let seen = 0
  let started = 0
  const elapsed = await new Promise<number>((resolve, reject) => {
    consumer
      .run({
        partitionsConsumedConcurrently: 6,
        eachBatch: async ({ batch }) => {
          if (started === 0) {
            started = performance.now()
            timed?.start()
          }
          if (parse) for (const message of batch.messages) JSON.parse(message.value!.toString('utf8'))
          seen += batch.messages.length
          if (seen >= count) resolve(performance.now() - started)
        },
      })
      .catch(reject)
  })
  const cpuNs = (await timed?.stop(count)) ?? 0
  await consumer.disconnect()
  return { rate: rate(count, elapsed), cpuNs }
}

/** @platformatic/kafka's consumer (a fresh group, from the earliest offset); the clock starts at the first message. */
async function platformatic(topic: string, count: number, parse: boolean, timed: TimedRead | undefined): Promise<ReaderResult> {
  if (count === 0) return { rate: 0, cpuNs: 0 }
  const { Consumer } = await import('@platformatic/kafka')
  const consumer = new Consumer({
    groupId: `platformatic-${process.pid}-${Date.now()}`,
    clientId: 'bench',
    bootstrapBrokers: process.env.KAFKA_BROKERS!.split(','),
  })
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false })
  let seen = 0
  let started = 0
  const elapsed = await new Promise<number>((resolve, reject) => {
    stream.on('error', reject)
    stream.on('data', (message: { value: Buffer }) => {
      if (started === 0) {
        started = performance.now()
        timed?.start()
      }
      if (parse) JSON.parse(message.value.toString('utf8'))
      if (++seen === count) resolve(performance.now() - started)
    })
  })
  const cpuNs = (await timed?.stop(count)) ?? 0
  await stream.close()
  await consumer.close(true)
  return { rate: rate(count, elapsed), cpuNs }
}

/** Registers a tracing SDK (BatchSpanProcessor, AsyncLocalStorage context, W3C propagation) whose exporter counts and drops spans. */
async function registerTracing(): Promise<{ spans(): Promise<number> }> {
  const { context, propagation, trace } = await import('@opentelemetry/api')
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks')
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core')
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base')
  let spans = 0
  const exporter = {
    export: (batch: unknown[], done: (result: { code: number }) => void) => {
      spans += batch.length
      done({ code: 0 })
    },
    shutdown: async () => {},
  }
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] })
  trace.setGlobalTracerProvider(provider)
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  return {
    spans: async () => {
      await provider.forceFlush()
      return spans
    },
  }
}

/**
 * The poller (`karafka server`'s engine) from the start of the topic until it has handled
 * `count` messages; the clock starts at its first batch. It runs the compiled package (lib/,
 * which `npm run bench` builds first), as `karafka server` does: the TypeScript sources under
 * tsx pay for wrappers tsx adds to every function it creates (about 5% of the poller's time).
 */
async function poller(job: ReaderJob): Promise<ReaderResult> {
  const tracing = job.tracing ? await registerTracing() : undefined
  if (job.warmUp > 0) await pollerRead(job, job.warmGroup!, job.warmUp, undefined)
  const spansBefore = (await tracing?.spans()) ?? 0
  const result = await pollerRead(job, job.group!, job.count, new TimedRead(job.kind))
  return tracing ? { ...result, spans: (await tracing.spans()) - spansBefore } : result
}

async function pollerRead(job: ReaderJob, group: string, count: number, timed: TimedRead | undefined): Promise<ReaderResult> {
  const compiled = { server: '../lib/src/server/server.js', manifest: '../lib/src/manifest/index.js' }
  const { startServer } = (await import(compiled.server)) as typeof import('../src/server/server.js')
  const { loadManifest } = (await import(compiled.manifest)) as typeof import('../src/manifest/index.js')
  let seen = 0
  let started = 0
  let finished = 0
  let batches = 0
  let commits = 0
  const server = await startServer({ manifest: loadManifest(path.resolve(job.manifest!)), groups: [group], ...job.options })
  server.monitor.subscribe('consumer.consume', () => {
    if (started) return
    started = performance.now()
    timed?.start()
  })
  server.monitor.subscribe('consumer.consumed', (b) => {
    seen += b.messages
    batches++
    if (seen >= count && !finished) finished = performance.now()
  })
  server.monitor.subscribe('offsets.committed', () => {
    if (!finished) commits++
  })
  while (!finished) await new Promise((resolve) => setTimeout(resolve, 20))
  // Measured up to the poll that saw the last message (up to 20 ms later): a few ms of an idle process in a read of seconds.
  const cpuNs = (await timed?.stop(count)) ?? 0
  await server.stop()
  return { rate: rate(count, finished - started), batches, commits, cpuNs }
}

/**
 * The timed read's CPU time, and with BENCH_PROFILE=<dir> its CPU profile (sampled every 200 µs,
 * written to <dir>/<kind>-<pid>.cpuprofile): the profile of the steady state alone, without the
 * process's start, its warm-up read, or the group joining.
 */
class TimedRead {
  private cpu: NodeJS.CpuUsage | undefined
  private session: Session | undefined

  constructor(private readonly kind: ReaderKind) {}

  start(): void {
    this.cpu = process.cpuUsage()
    if (!process.env.BENCH_PROFILE) return
    this.session = new Session()
    this.session.connect()
    this.session.post('Profiler.enable')
    this.session.post('Profiler.setSamplingInterval', { interval: 200 })
    this.session.post('Profiler.start')
  }

  /** CPU ns per message since start (the profile written first, when one runs). */
  async stop(count: number): Promise<number> {
    const used = process.cpuUsage(this.cpu)
    const session = this.session
    if (session) {
      const profile = await new Promise<unknown>((resolve, reject) =>
        session.post('Profiler.stop', (error, result) => (error ? reject(error) : resolve(result.profile))),
      )
      writeFileSync(path.join(process.env.BENCH_PROFILE!, `${this.kind}-${process.pid}.cpuprofile`), JSON.stringify(profile))
      session.disconnect()
    }
    return Math.round(((used.user + used.system) * 1000) / count)
  }
}

async function read(job: ReaderJob): Promise<ReaderResult> {
  if (job.kind === 'poller' || job.kind === 'bare-parse-decoding') {
    const decoding = (await import('../lib/src/kafka/record-decoding.js')) as Pick<
      typeof import('../src/kafka/record-decoding.js'),
      'fasterRecordModulesInUse'
    >
    if (!decoding.fasterRecordModulesInUse())
      throw new Error(`the ${job.kind} reader's kafkajs loaded before karafka-ts could replace its record decoding`)
  }
  const timed = new TimedRead(job.kind)
  switch (job.kind) {
    case 'bare':
    case 'bare-parse':
      await bare(job.topic, job.warmUp, job.kind === 'bare-parse', undefined)
      return bare(job.topic, job.count, job.kind === 'bare-parse', timed)
    case 'bare-parse-decoding':
      // The same parsing consumer on kafkajs with the record decoding the poller's kafkajs has (src/kafka/record-decoding.ts, loaded first by runReader).
      await bare(job.topic, job.warmUp, true, undefined)
      return bare(job.topic, job.count, true, timed)
    case 'platformatic':
    case 'platformatic-parse':
      await platformatic(job.topic, job.warmUp, job.kind === 'platformatic-parse', undefined)
      return platformatic(job.topic, job.count, job.kind === 'platformatic-parse', timed)
    case 'poller':
      return poller(job)
  }
}

if (process.send && import.meta.url === `file://${process.argv[1]}`) {
  const result = await read(JSON.parse(process.argv[2]!) as ReaderJob)
  process.send(result, () => process.exit(0))
}
