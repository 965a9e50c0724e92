// Consumer throughput on one pre-produced topic (6 partitions, ~200-byte envelopes), every
// reader from the start with a fresh group, one after another on the same broker, in rounds:
// - the ceiling: kcat (librdkafka), the fastest reader here, when installed;
// - a bare kafkajs eachBatch consumer that does nothing;
// - the same bare consumer JSON-parsing each value: the least a consumer of typed events does;
// - the poller (`karafka server`'s engine, in process) with an empty local handler;
// - for reference, @platformatic/kafka's consumer (another pure-JavaScript client, the fastest
//   by its own benchmark) doing nothing, and JSON-parsing each value.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import type { ServerOptions } from '../src/server/server.js'
import { createTestApp, type TestApp } from '../test/helpers/app.js'
import { uniqueName } from '../test/helpers/kafka.js'
import { benchKafka, median, rate, tickTopicYaml } from './data.js'

export interface ThroughputFigure {
  messages: number
  partitions: number
  valueBytes: number
  batchMaxSize: number
  rounds: number
  /** undefined when kcat is not installed. */
  kcatMsgPerSec: number | undefined
  bareMsgPerSec: number
  bareParseMsgPerSec: number
  /** Absent in results written before the reference rows. */
  platformaticMsgPerSec?: number
  platformaticParseMsgPerSec?: number
  pollerMsgPerSec: number
  /** poller / bare */
  ratio: number
  /** poller / bare that parses */
  ratioToParsing: number
  /** bare / kcat */
  bareToCeiling: number | undefined
  pollerBatches: number
}

/** Reads `count` messages with a bare kafkajs consumer; the clock starts at the first batch. */
async function bare(topic: string, count: number, parse: boolean): Promise<number> {
  const consumer = benchKafka().consumer({ groupId: uniqueName('bare'), maxWaitTimeInMs: 50 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  let seen = 0
  let started = 0
  const elapsed = await new Promise<number>((resolve, reject) => {
    consumer
      .run({
        partitionsConsumedConcurrently: 6,
        eachBatch: async ({ batch }) => {
          if (started === 0) started = performance.now()
          if (parse) for (const message of batch.messages) JSON.parse(message.value!.toString('utf8'))
          seen += batch.messages.length
          if (seen >= count) resolve(performance.now() - started)
        },
      })
      .catch(reject)
  })
  await consumer.disconnect()
  return rate(count, elapsed)
}

/** Reads `count` messages with @platformatic/kafka's consumer (a fresh group, from the earliest offset); the clock starts at the first message. */
async function platformatic(topic: string, count: number, parse: boolean): Promise<number> {
  const { Consumer } = await import('@platformatic/kafka')
  const consumer = new Consumer({
    groupId: uniqueName('platformatic'),
    clientId: 'bench',
    bootstrapBrokers: process.env.KAFKA_BROKERS!.split(','),
  })
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false })
  let seen = 0
  let started = 0
  const elapsed = await new Promise<number>((resolve, reject) => {
    stream.on('error', reject)
    stream.on('data', (message: { value: Buffer }) => {
      if (started === 0) started = performance.now()
      if (parse) JSON.parse(message.value.toString('utf8'))
      if (++seen === count) resolve(performance.now() - started)
    })
  })
  await stream.close()
  await consumer.close(true)
  return rate(count, elapsed)
}

/** kcat reading the whole topic from the start, values to /dev/null; the time includes its start-up. */
function kcat(topic: string, count: number): number | undefined {
  if (spawnSync('kcat', ['-V']).status !== 0) return undefined
  const began = performance.now()
  const result = spawnSync(
    'kcat',
    [
      '-C',
      '-b',
      process.env.KAFKA_BROKERS!,
      '-t',
      topic,
      '-o',
      'beginning',
      '-c',
      String(count),
      '-q',
      '-f',
      '%s\n',
      '-X',
      `group.id=${uniqueName('kcat')}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 },
  )
  if (result.status !== 0) throw new Error(`kcat failed: ${result.stderr}`)
  return rate(count, performance.now() - began)
}

/**
 * Every reader on one topic holding `count` messages, `rounds` times in turn (a fresh group
 * each time); each figure is the median of its rounds. `produce` fills the topic.
 */
export async function benchThroughput(
  count: number,
  produce: (topic: string, count: number) => Promise<number>,
  rounds = 3,
  batchMaxSize = 100,
): Promise<ThroughputFigure> {
  const { app, topic, groups } = await emptyHandlerApp('bench', rounds, { route: `batch: { maxSize: ${batchMaxSize} }` })
  try {
    const valueBytes = await produce(topic, count)
    const figures = {
      kcat: [] as number[],
      bare: [] as number[],
      bareParse: [] as number[],
      platformatic: [] as number[],
      platformaticParse: [] as number[],
      poller: [] as number[],
    }
    let pollerBatches = 0
    for (const group of groups) {
      const ceiling = kcat(topic, count)
      if (ceiling !== undefined) figures.kcat.push(ceiling)
      figures.bare.push(await bare(topic, count, false))
      figures.bareParse.push(await bare(topic, count, true))
      figures.platformatic.push(await platformatic(topic, count, false))
      figures.platformaticParse.push(await platformatic(topic, count, true))
      const poller = await pollerRun(app, group, count)
      figures.poller.push(poller.rate)
      pollerBatches = poller.batches
    }
    const kcatRate = figures.kcat.length > 0 ? median(figures.kcat) : undefined
    const [bareRate, bareParseRate, pollerRate] = [median(figures.bare), median(figures.bareParse), median(figures.poller)]
    return {
      messages: count,
      partitions: 6,
      valueBytes,
      batchMaxSize,
      rounds,
      kcatMsgPerSec: kcatRate,
      bareMsgPerSec: bareRate,
      bareParseMsgPerSec: bareParseRate,
      platformaticMsgPerSec: median(figures.platformatic),
      platformaticParseMsgPerSec: median(figures.platformaticParse),
      pollerMsgPerSec: pollerRate,
      ratio: Number((pollerRate / bareRate).toFixed(2)),
      ratioToParsing: Number((pollerRate / bareParseRate).toFixed(2)),
      bareToCeiling: kcatRate === undefined ? undefined : Number((bareRate / kcatRate).toFixed(2)),
      pollerBatches,
    }
  } finally {
    await app.remove()
  }
}

/**
 * A bench app: one tick topic and `count` consumer groups on it, each with an empty handler
 * (`route` adds to each route's settings, `app` lines to the manifest's top level), so that
 * each run reads the topic from the start with a fresh group.
 */
export async function emptyHandlerApp(
  name: string,
  count: number,
  options: { route?: string; app?: string } = {},
): Promise<{ app: TestApp; topic: string; groups: string[] }> {
  const topic = uniqueName(name)
  const groups = Array.from({ length: count }, (_, i) => uniqueName(`${name}-${i}`))
  const app = await createTestApp(
    name,
    `app:
  clientId: ${name}
  brokers: \${KAFKA_BROKERS}
${options.app ?? ''}topics:
${tickTopicYaml(topic)}consumerGroups:
${groups.map((group, i) => `  ${group}:\n    topics:\n      ${topic}: { handler: handlers/empty-${i}.ts${options.route ? `, ${options.route}` : ''} }\n`).join('')}`,
    Object.fromEntries(
      groups.map((group, i) => [
        `handlers/empty-${i}.ts`,
        `import { defineConsumer } from '../generated/karafka.js'\nexport default defineConsumer('${group}', '${topic}', async () => {})\n`,
      ]),
    ),
  )
  return { app, topic, groups }
}

/**
 * One group's poller from the start of the topic until it has handled `count` messages; the
 * clock starts at its first batch. It runs the compiled package (lib/, which `npm run bench`
 * builds first), as `karafka server` does: the TypeScript sources under tsx pay for wrappers
 * tsx adds to every function it creates (about 5% of the poller's time here).
 */
export async function pollerRun(
  app: TestApp,
  group: string,
  count: number,
  options: Omit<Partial<ServerOptions>, 'manifest' | 'monitor'> = {},
): Promise<{ rate: number; batches: number }> {
  const compiled = { server: '../lib/src/server/server.js', manifest: '../lib/src/manifest/index.js' }
  const { startServer } = (await import(compiled.server)) as typeof import('../src/server/server.js')
  const { loadManifest } = (await import(compiled.manifest)) as typeof import('../src/manifest/index.js')
  let seen = 0
  let started = 0
  let finished = 0
  let batches = 0
  const server = await startServer({ manifest: loadManifest(path.join(app.dir, 'karafka.yml')), groups: [group], ...options })
  server.monitor.subscribe('consumer.consume', () => {
    started ||= performance.now()
  })
  server.monitor.subscribe('consumer.consumed', (b) => {
    seen += b.messages
    batches++
    if (seen >= count && !finished) finished = performance.now()
  })
  while (!finished) await new Promise((resolve) => setTimeout(resolve, 20))
  await server.stop()
  return { rate: rate(count, finished - started), batches }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { benchBroker } = await import('./broker.js')
  const { produceTicks } = await import('./data.js')
  const broker = await benchBroker()
  console.log(
    JSON.stringify(
      await benchThroughput(
        Number(process.argv[2] ?? 100_000),
        produceTicks,
        Number(process.argv[3] ?? 3),
        Number(process.env.BENCH_MAX_SIZE ?? 100),
      ),
      null,
      2,
    ),
  )
  await broker.stop()
  process.exit(0)
}
