// Peak memory of `karafka server` (its own process, started as a user starts it) draining a
// backlog: the topic is filled first, the server starts with a fresh group and an empty
// handler, and once its group has committed every message, the kernel's high-water mark of
// its resident set (VmHWM in /proc/<pid>/status) is read. Bounded means it does not grow with
// the backlog.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { readLag } from '../src/topics/lag.js'
import { createTestApp } from '../test/helpers/app.js'
import { BIN } from '../test/helpers/cli.js'
import { uniqueName } from '../test/helpers/kafka.js'
import { benchKafka, rate, tickTopicYaml } from './data.js'

export interface MemoryFigure {
  backlog: number
  peakRssMb: number
  /** The resident set once the server is up, before it has read anything. */
  startRssMb: number
  drainMsgPerSec: number
}

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
    const server = spawn(process.execPath, [BIN, 'server'], {
      cwd: app.dir,
      env: { ...process.env, KARAFKA_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    server.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
    const exited = new Promise<number | null>((resolve) => server.on('exit', resolve))
    try {
      let startRss = 0
      let began = 0
      let done = 0
      while (done < backlog) {
        if (server.exitCode !== null) throw new Error(`karafka server exited (${server.exitCode}): ${stderr}`)
        await sleep(100)
        done = backlog - (await readLag(benchKafka(), { [group]: [topic] })).reduce((lag, row) => lag + row.lag, 0)
        if (!began && done === 0) startRss = statusKb(server.pid!, 'VmRSS')
        if (!began && done > 0) began = performance.now()
      }
      const peak = statusKb(server.pid!, 'VmHWM')
      return { backlog, peakRssMb: mb(peak), startRssMb: mb(startRss), drainMsgPerSec: rate(backlog, performance.now() - began) }
    } finally {
      server.kill('SIGTERM')
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
