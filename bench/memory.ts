// Peak memory of `karafka server` (its own process, started as a user starts it) draining a
// backlog: the topic is filled first, the server starts with a fresh group and an empty
// handler, and once its group has committed every message, the kernel's high-water mark of
// its resident set (VmHWM in /proc/<pid>/status) is read. Bounded means it does not grow with
// the backlog.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { readLag } from '../src/topics/lag.js'
import { createTestApp } from '../test/helpers/app.js'
import { BIN } from '../test/helpers/cli.js'
import { uniqueName } from '../test/helpers/kafka.js'
import { benchKafka, rate, tickTopicYaml } from './data.js'

export interface MemoryFigure {
  backlog: number
  peakRssMb: number
  /** The resident set once the server is up, before it has read anything. */
  /** Before the first message was consumed; undefined when the first reading came after the drain had begun. */
  startRssMb: number | undefined
  /** The largest V8 heap in use while draining (absent in results written before it was measured). */
  peakHeapMb?: number
  /** From the start of the first handler call to the end of the one that reached the backlog, by the server's log. */
  drainMsgPerSec: number
}

const HEAP_SAMPLER = fileURLToPath(new URL('./heap-sampler.mjs', import.meta.url))

const statusKb = (pid: number, field: 'VmHWM' | 'VmRSS') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN)
const mb = (kb: number) => Math.round(kb / 1024)

export async function benchMemory(backlog: number, produce: (topic: string, count: number) => Promise<number>): Promise<MemoryFigure> {
  const topic = uniqueName('memory')
  const group = uniqueName('memory')
  const app = await createTestApp(
    'memory-bench',
    `app:
  clientId: memory-bench
  brokers: \${KAFKA_BROKERS}
topics:
${tickTopicYaml(topic)}consumerGroups:
  ${group}:
    topics:
      ${topic}: { handler: handlers/empty.ts, startFrom: earliest }
`,
    {
      'handlers/empty.ts': `import { defineConsumer } from '../generated/karafka.js'\nexport default defineConsumer('${group}', '${topic}', async () => {})\n`,
    },
  )
  try {
    await produce(topic, backlog)
    const heapFile = path.join(app.dir, 'heap-peak')
    const server = spawn(process.execPath, ['--import', HEAP_SAMPLER, BIN, 'server', '--log-format', 'json'], {
      cwd: app.dir,
      env: { ...process.env, KARAFKA_LOG_LEVEL: 'info', HEAP_SAMPLES_FILE: heapFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    server.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
    // The drain is timed by the server's own log: from the start of the first handler call to the end of the one that reaches the backlog.
    let [first, last, consumed] = [0, 0, 0]
    createInterface({ input: server.stdout }).on('line', (line) => {
      let entry: { event?: string; time: string; message: string }
      try {
        entry = JSON.parse(line)
      } catch {
        return // a line that is not the logger's (a library's notice)
      }
      if (entry.event !== 'consumer.consumed') return
      const [, messages = '0', ms = '0'] = /: (\d+) messages? consumed in (\d+) ms/.exec(entry.message) ?? []
      first ||= Date.parse(entry.time) - Number(ms)
      consumed += Number(messages)
      if (consumed >= backlog && !last) last = Date.parse(entry.time)
    })
    const exited = new Promise<number | null>((resolve) => server.on('exit', resolve))
    try {
      let startRss: number | undefined
      let done = 0
      let firstReading = true
      while (done < backlog || !last) {
        if (server.exitCode !== null) throw new Error(`karafka server exited (${server.exitCode}): ${stderr}`)
        await sleep(100)
        done = backlog - (await readLag(benchKafka(), { [group]: [topic] })).reduce((lag, row) => lag + row.lag, 0)
        // Only a reading taken before anything was consumed is the start; a later one would be passed off as it.
        if (firstReading && done === 0 && consumed === 0) startRss = statusKb(server.pid!, 'VmRSS')
        firstReading = false
      }
      const peak = statusKb(server.pid!, 'VmHWM')
      server.kill('SIGTERM')
      await exited
      return {
        backlog,
        peakRssMb: mb(peak),
        startRssMb: startRss === undefined ? undefined : mb(startRss),
        peakHeapMb: Math.round(Number(readFileSync(heapFile, 'utf8')) / 2 ** 20),
        drainMsgPerSec: rate(backlog, Math.max(1, last - first)),
      }
    } finally {
      if (server.exitCode === null) server.kill('SIGTERM')
      await exited
    }
  } finally {
    await app.remove()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { benchBroker } = await import('./broker.js')
  const { produceTicks } = await import('./data.js')
  const broker = await benchBroker()
  for (const backlog of process.argv.slice(2).map(Number)) console.log(JSON.stringify(await benchMemory(backlog, produceTicks)))
  await broker.stop()
  process.exit(0)
}
