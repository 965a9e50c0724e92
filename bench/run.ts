// `npm run bench` (-- --quick, or `npm run bench --quick`): every benchmark in one run on one
// broker, written to bench/results/<date>.json with a Markdown table and an SVG chart beside it.
// The full run takes about 7 minutes here (2 cores); --quick takes less, with smaller volumes.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { KAFKA_VERSION } from '../src/broker/fetch.js'
import { benchBroker } from './broker.js'
import { benchCodegen, type CodegenFigure } from './codegen.js'
import { produceTicks } from './data.js'
import { benchLambda, type LambdaFigure } from './lambda.js'
import { benchLatency, type LatencyFigure } from './latency.js'
import { benchMemory, type MemoryFigure } from './memory.js'
import { benchObservability, type ObservabilityFigure } from './observability.js'
import { benchProducer, type ProducerFigure } from './producer.js'
import { markdownReport, svgChart } from './report.js'
import { benchReporting, type ReportingFigure } from './reporting.js'
import { benchThroughput, type ThroughputFigure } from './throughput.js'
import { benchTransactions, type TransactionsFigure } from './transactions.js'
import { benchVirtualPartitions, type VirtualPartitionsFigure } from './virtual-partitions.js'

export interface BenchResults {
  date: string
  quick: boolean
  command: string
  durationSec: number
  machine: { cpus: number; memoryGb: number; node: string; kafka: string }
  throughput: ThroughputFigure
  producer: ProducerFigure
  latency: LatencyFigure[]
  memory: MemoryFigure[]
  lambda: LambdaFigure
  /** Absent in results written before virtual partitions. */
  virtualPartitions?: VirtualPartitionsFigure[]
  /** Absent in results written before the metrics and tracing. */
  observability?: ObservabilityFigure
  /** Absent in results written before transactional routes. */
  transactions?: TransactionsFigure
  /** Absent in results written before karafka web's reporting. */
  reporting?: ReportingFigure
  codegen: CodegenFigure[]
}

const SIZES = {
  full: {
    throughput: 1_000_000,
    rounds: 7,
    producer: 200_000,
    latencySeconds: 15,
    backlogs: [100_000, 1_000_000, 2_000_000],
    lambda: 2_000,
    virtualPartitions: { local: 24_000, lambda: 8_000 },
    observability: 500_000,
    transactions: 30_000,
    reporting: 500_000,
    codegenRepeats: 3,
  },
  quick: {
    throughput: 100_000,
    rounds: 3,
    producer: 50_000,
    latencySeconds: 5,
    backlogs: [20_000, 200_000],
    lambda: 500,
    virtualPartitions: { local: 6_000, lambda: 2_000 },
    observability: 50_000,
    transactions: 6_000,
    reporting: 50_000,
    codegenRepeats: 1,
  },
}

const quick = process.argv.includes('--quick') || process.env.npm_config_quick === 'true'
const sizes = quick ? SIZES.quick : SIZES.full
const began = performance.now()
const step = async <T>(name: string, run: () => Promise<T> | T): Promise<T> => {
  const started = performance.now()
  process.stderr.write(`bench: ${name}...`)
  const result = await run()
  process.stderr.write(` ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
  return result
}

const broker = await step('broker', () => benchBroker())
try {
  const throughput = await step(`consumer throughput, ${sizes.throughput} messages x ${sizes.rounds} rounds`, () =>
    benchThroughput(sizes.throughput, produceTicks, sizes.rounds),
  )
  const producer = await step(`producer throughput, ${sizes.producer} messages x ${sizes.rounds} rounds`, () =>
    benchProducer(sizes.producer, sizes.rounds),
  )
  const latency: LatencyFigure[] = []
  for (const rate of [1_000, 10_000]) latency.push(await step(`latency at ${rate}/s`, () => benchLatency(rate, sizes.latencySeconds)))
  const memory: MemoryFigure[] = []
  for (const backlog of sizes.backlogs) memory.push(await step(`memory draining ${backlog}`, () => benchMemory(backlog, produceTicks)))
  const lambda = await step(`lambda, ${sizes.lambda} messages`, () => benchLambda(sizes.lambda))
  const virtualPartitions: VirtualPartitionsFigure[] = []
  for (const backend of ['local', 'lambda'] as const) {
    const messages = sizes.virtualPartitions[backend]
    virtualPartitions.push(
      await step(`virtual partitions, ${backend}, ${messages} messages`, () =>
        benchVirtualPartitions({
          backend,
          messages,
          partitions: backend === 'local' ? 6 : 1,
          batchMaxSize: backend === 'local' ? 10 : 25,
          handlerWaitMs: 20,
          max: 8,
          produce: produceTicks,
        }),
      ),
    )
  }
  const observability = await step(`observability cost, ${sizes.observability} messages x ${sizes.rounds} rounds`, () =>
    benchObservability(sizes.observability, produceTicks, sizes.rounds),
  )
  const transactions = await step(`transactions, ${sizes.transactions} messages`, () =>
    benchTransactions(sizes.transactions, [10, 100, 500, 2000], produceTicks),
  )
  const reporting = await step(`reporting cost, ${sizes.reporting} messages x ${sizes.rounds} rounds`, () =>
    benchReporting(sizes.reporting, produceTicks, sizes.rounds),
  )
  const codegen = await step('codegen', () => benchCodegen([10, 100, 500], sizes.codegenRepeats))
  const date = new Date().toISOString().slice(0, 10)
  const results: BenchResults = {
    date,
    quick,
    command: quick ? 'npm run bench -- --quick' : 'npm run bench',
    durationSec: Math.round((performance.now() - began) / 1000),
    machine: { cpus: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.versions.node, kafka: KAFKA_VERSION },
    throughput,
    producer,
    latency,
    memory,
    lambda,
    virtualPartitions,
    observability,
    transactions,
    reporting,
    codegen,
  }
  const dir = fileURLToPath(new URL('./results/', import.meta.url))
  mkdirSync(dir, { recursive: true })
  // A second full run on one day is kept beside the first (<date>-2, -3, ...): the README cites runs by name. Quick runs replace each other.
  const name = quick ? `${date}-quick` : date
  let stem = path.join(dir, name)
  for (let n = 2; !quick && existsSync(`${stem}.json`); n++) stem = path.join(dir, `${name}-${n}`)
  writeFileSync(`${stem}.json`, `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(`${stem}.md`, markdownReport(results))
  writeFileSync(`${stem}.svg`, svgChart(results))
  process.stdout.write(`${markdownReport(results)}\nwritten: ${stem}.json, .md, .svg\n`)
} finally {
  await broker.stop()
}
process.exit(0)
