// Exactly-once's cost: the same consume -> produce route (one echo published per message through
// ctx.responders) with and without `transactional: true`, at several batch sizes, each from the
// start of one pre-produced topic with a fresh group. The clock runs from the first handler call
// until the group's offsets cover every message: a transactional commit is part of the work.
import { createTestApp, type TestApp } from '../test/helpers/app.js'
import { uniqueName } from '../test/helpers/kafka.js'
import { rate, tickTopicYaml } from './data.js'

export interface TransactionsRow {
  batchMaxSize: number
  plainMsgPerSec: number
  transactionalMsgPerSec: number
  /** transactional / plain */
  ratio: number
  /** Transactions committed by the transactional run. */
  transactions: number
}

export interface TransactionsFigure {
  messages: number
  partitions: number
  rows: TransactionsRow[]
}

const echoing = (group: string, topic: string, out: string) =>
  `import { defineConsumer } from '../generated/karafka.js'
export default defineConsumer('${group}', '${topic}', async (messages, ctx) => {
  await Promise.all(messages.map((m) => (m.event === 'tick' ? ctx.responders['${out}'].echo({ id: m.payload.id, seq: m.payload.seq }) : undefined)))
})
`

/** Both routes at each of `batchSizes`, on one topic of `messages` ticks that `produce` fills. */
export async function benchTransactions(
  messages: number,
  batchSizes: number[],
  produce: (topic: string, count: number) => Promise<number>,
): Promise<TransactionsFigure> {
  const [topic, out] = [uniqueName('txbench'), uniqueName('txbench-out')]
  const groups = batchSizes.flatMap((size) => [
    { name: uniqueName(`plain-${size}`), size, transactional: false },
    { name: uniqueName(`tx-${size}`), size, transactional: true },
  ])
  const app = await createTestApp(
    'tx-bench',
    `app:
  clientId: tx-bench
  brokers: \${KAFKA_BROKERS}
topics:
${tickTopicYaml(topic)}  ${out}:
    partitions: 6
    key: id
    events:
      echo: { id: string, seq: integer }
consumerGroups:
${groups
  .map(
    (g) =>
      `  ${g.name}:\n    topics:\n      ${topic}: { handler: handlers/${g.name}.ts, batch: { maxSize: ${g.size}, maxWaitMs: 20 }, transactional: ${g.transactional} }\n`,
  )
  .join('')}`,
    Object.fromEntries(groups.map((g) => [`handlers/${g.name}.ts`, echoing(g.name, topic, out)])),
  )
  try {
    await produce(topic, messages)
    const rows: TransactionsRow[] = []
    for (const size of batchSizes) {
      const [plain, transactional] = groups.filter((g) => g.size === size)
      const without = await drain(app, plain!.name, messages)
      const withTransactions = await drain(app, transactional!.name, messages)
      rows.push({
        batchMaxSize: size,
        plainMsgPerSec: without.msgPerSec,
        transactionalMsgPerSec: withTransactions.msgPerSec,
        ratio: Number((withTransactions.msgPerSec / without.msgPerSec).toFixed(2)),
        transactions: withTransactions.commits,
      })
    }
    return { messages, partitions: 6, rows }
  } finally {
    await app.remove()
  }
}

/** One group from the start until its commits cover `count` messages (one produce from offset 0, so the offsets add up to it). */
async function drain(app: TestApp, group: string, count: number): Promise<{ msgPerSec: number; commits: number }> {
  let started = 0
  let finished = 0
  let commits = 0
  const committed = new Map<number, number>()
  const server = await app.start({ groups: [group] })
  server.monitor.subscribe('consumer.consume', () => {
    started ||= performance.now()
  })
  server.monitor.subscribe('offsets.committed', (c) => {
    commits++
    committed.set(c.partition, Number(c.offset))
    if (!finished && [...committed.values()].reduce((sum, offset) => sum + offset, 0) >= count) finished = performance.now()
  })
  while (!finished) await new Promise((resolve) => setTimeout(resolve, 20))
  await server.stop()
  return { msgPerSec: rate(count, finished - started), commits }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { benchBroker } = await import('./broker.js')
  const { produceTicks } = await import('./data.js')
  const broker = await benchBroker()
  console.log(JSON.stringify(await benchTransactions(Number(process.argv[2] ?? 6_000), [10, 100, 500], produceTicks), null, 2))
  await broker.stop()
  process.exit(0)
}
