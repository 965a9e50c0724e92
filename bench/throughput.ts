// Consumer throughput on one pre-produced topic (6 partitions, ~200-byte envelopes), every
// reader from the start with a fresh group, one after another on the same broker, in rounds,
// each alone in a Node process of its own (reader.ts):
// - the ceiling: kcat (librdkafka), the fastest reader here, when installed;
// - a bare kafkajs eachBatch consumer that does nothing;
// - the same bare consumer JSON-parsing each value: the least a consumer of typed events does;
// - the poller (`karafka server`'s engine) with an empty local handler;
// - for reference, the parsing consumer on kafkajs with the record decoding the poller's kafkajs
//   has (src/kafka/record-decoding.ts), so that the poller's own cost shows apart from it;
// - for reference, @platformatic/kafka's consumer (another pure-JavaScript client, the fastest
//   by its own benchmark) doing nothing, and JSON-parsing each value.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import type { ServerOptions } from '../src/server/server.js'
import { createTestApp, type TestApp } from '../test/helpers/app.js'
import { uniqueName } from '../test/helpers/kafka.js'
import { inRotation, median, rate, tickTopicYaml } from './data.js'
import { runReader } from './reader.js'

export interface ThroughputFigure {
  messages: number
  partitions: number
  valueBytes: number
  batchMaxSize: number
  rounds: number
  /** Messages each JavaScript reader read, untimed, before its timed read (absent in results written before the warm-up). */
  warmUp?: number
  /** undefined when kcat is not installed. */
  kcatMsgPerSec: number | undefined
  bareMsgPerSec: number
  bareParseMsgPerSec: number
  /** The parsing consumer on kafkajs with the poller's record decoding (absent in results written before it). */
  bareParseDecodingMsgPerSec?: number
  /** Absent in results written before the reference rows. */
  platformaticMsgPerSec?: number
  platformaticParseMsgPerSec?: number
  pollerMsgPerSec: number
  /** poller / bare */
  ratio: number
  /** poller / bare that parses */
  ratioToParsing: number
  /** poller / bare that parses with the same record decoding: what the poller itself costs */
  ratioToParsingSameDecoding?: number
  /** bare / kcat */
  bareToCeiling: number | undefined
  pollerBatches: number
  /** Offset commits the poller made in its last timed read (absent in results written before it). */
  pollerCommits?: number
  /** Every round's figure per reader, msg/s (absent in results written before it was kept). */
  samples?: Record<string, number[]>
  /** Median CPU time of each JavaScript reader's process per message of its timed read, ns (absent in results written before it). */
  cpuNs?: Record<string, number>
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
 * each time, the order rotated from round to round); each figure is the median of its rounds.
 * `produce` fills the topic.
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
      bareParseDecoding: [] as number[],
      platformatic: [] as number[],
      platformaticParse: [] as number[],
      poller: [] as number[],
    }
    // CPU ns per message of each JavaScript reader's rounds (kcat's time is not measured).
    const cpu = Object.fromEntries(
      Object.keys(figures)
        .filter((name) => name !== 'kcat')
        .map((name) => [name, [] as number[]]),
    )
    let pollerBatches = 0
    let pollerCommits = 0
    const warmUp = warmUpOf(count)
    const readers = (
      [
        ['bare', 'bare'],
        ['bareParse', 'bare-parse'],
        ['bareParseDecoding', 'bare-parse-decoding'],
        ['platformatic', 'platformatic'],
        ['platformaticParse', 'platformatic-parse'],
      ] as const
    ).map(([name, kind]) => async () => {
      const result = await runReader({ kind, topic, count, warmUp })
      figures[name].push(result.rate)
      cpu[name]!.push(result.cpuNs)
    })
    for (const [round, group] of groups.entries()) {
      const ceiling = kcat(topic, count)
      if (ceiling !== undefined) figures.kcat.push(ceiling)
      const poller = async () => {
        const run = await pollerRun(app, group, count)
        pollerBatches = run.batches
        pollerCommits = run.commits
        figures.poller.push(run.rate)
        cpu.poller!.push(run.cpuNs)
      }
      await inRotation([...readers, poller], round)
    }
    const kcatRate = figures.kcat.length > 0 ? median(figures.kcat) : undefined
    const [bareRate, bareParseRate, pollerRate] = [median(figures.bare), median(figures.bareParse), median(figures.poller)]
    return {
      messages: count,
      partitions: 6,
      valueBytes,
      batchMaxSize,
      rounds,
      warmUp: warmUpOf(count),
      kcatMsgPerSec: kcatRate,
      bareMsgPerSec: bareRate,
      bareParseMsgPerSec: bareParseRate,
      bareParseDecodingMsgPerSec: median(figures.bareParseDecoding),
      platformaticMsgPerSec: median(figures.platformatic),
      platformaticParseMsgPerSec: median(figures.platformaticParse),
      pollerMsgPerSec: pollerRate,
      ratio: Number((pollerRate / bareRate).toFixed(2)),
      ratioToParsing: Number((pollerRate / bareParseRate).toFixed(2)),
      ratioToParsingSameDecoding: Number((pollerRate / median(figures.bareParseDecoding)).toFixed(2)),
      bareToCeiling: kcatRate === undefined ? undefined : Number((bareRate / kcatRate).toFixed(2)),
      pollerBatches,
      pollerCommits,
      samples: figures,
      cpuNs: Object.fromEntries(Object.entries(cpu).map(([name, values]) => [name, median(values)])),
    }
  } finally {
    await app.remove()
  }
}

/**
 * A bench app: one tick topic and `count` consumer groups on it (each with a twin for its
 * poller's warm-up read), each with an empty handler
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
  const consumers = groups.flatMap((group) => [group, warmGroupOf(group)])
  const app = await createTestApp(
    name,
    `app:
  clientId: ${name}
  brokers: \${KAFKA_BROKERS}
${options.app ?? ''}topics:
${tickTopicYaml(topic)}consumerGroups:
${consumers.map((group, i) => `  ${group}:\n    topics:\n      ${topic}: { handler: handlers/empty-${i}.ts${options.route ? `, ${options.route}` : ''} }\n`).join('')}`,
    Object.fromEntries(
      consumers.map((group, i) => [
        `handlers/empty-${i}.ts`,
        `import { defineConsumer } from '../generated/karafka.js'\nexport default defineConsumer('${group}', '${topic}', async () => {})\n`,
      ]),
    ),
  )
  return { app, topic, groups }
}

/** What each reader reads, untimed, before its timed read: a fifth of it. */
const warmUpOf = (count: number) => Math.round(count / 5)

/** The group of a poller's warm-up read, beside each group of {@link emptyHandlerApp}. */
const warmGroupOf = (group: string) => `${group}-warm`

/** One group's poller, in a process of its own, warmed up with its warm group, from the start of the topic until it has handled `count` messages. */
export async function pollerRun(
  app: TestApp,
  group: string,
  count: number,
  options: Omit<Partial<ServerOptions>, 'manifest' | 'monitor'> = {},
  tracing = false,
): Promise<{ rate: number; batches: number; commits: number; spans: number; cpuNs: number }> {
  const result = await runReader({
    kind: 'poller',
    topic: '',
    count,
    warmUp: warmUpOf(count),
    manifest: path.join(app.dir, 'karafka.yml'),
    group,
    warmGroup: warmGroupOf(group),
    options,
    tracing,
  })
  return { rate: result.rate, batches: result.batches ?? 0, commits: result.commits ?? 0, spans: result.spans ?? 0, cpuNs: result.cpuNs }
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
