// The reliability tests' bookkeeping: every message carries a sequence number per key; a
// handler appends one line per message it handled to a ledger file (one write per batch, so a
// killed process leaves whole batches, at most one torn last line); the test compares the
// ledger with what was produced.
import { existsSync, readFileSync } from 'node:fs'
import { readLag } from '../../src/topics/lag.js'
import { testKafka } from './kafka.js'

/** One handled message: which process (delivery) handled it, where it was, its key and sequence. */
export interface LedgerEntry {
  runner: string
  partition: number
  offset: number
  key: string
  seq: number
}

/**
 * A handler that appends `runner partition offset key seq` per message to the file named by
 * the LEDGER environment variable (or the one `fileEnv` names, or `file`); `runner` is the process id. By default the
 * batch's lines go in one write once `before` has run; with `perMessage`, each message is
 * written as it is handled, after `perMessage` runs (`index` in scope), as a handler with a
 * side effect per message does. `messages` and `ctx` are in scope of both.
 */
export function ledgerHandler(
  group: string,
  topic: string,
  options: { before?: string; perMessage?: string; file?: string; fileEnv?: string } = {},
): string {
  const file = options.file ? JSON.stringify(options.file) : `process.env.${options.fileEnv ?? 'LEDGER'}!`
  const line = "String(process.pid) + ' ' + m.partition + ' ' + m.offset + ' ' + m.key + ' ' + m.payload.seq + '\\n'"
  const body =
    options.perMessage === undefined
      ? `appendFileSync(${file}, messages.map((m) => (m.event === null ? '' : ${line})).join(''))`
      : `for (const [index, m] of messages.entries()) {
    ${options.perMessage}
    if (m.event !== null) appendFileSync(${file}, ${line})
  }`
  return `import { appendFileSync } from 'node:fs'
import { defineConsumer } from '../generated/karafka.js'
export default defineConsumer('${group}', '${topic}', async (messages, ctx) => {
  ${options.before ?? ''}
  ${body}
})
`
}

/**
 * A handler that publishes an echo `{ id, seq }` of every tick to `out` through ctx.responders
 * (its responder method `method`), awaiting the batch's sends together.
 */
export function echoHandler(group: string, topic: string, out: string, method: string): string {
  return `import { defineConsumer } from '../generated/karafka.js'
export default defineConsumer('${group}', '${topic}', async (messages, ctx) => {
  const sends = []
  for (const [index, m] of messages.entries()) {
    if (index % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 5))
    if (m.event === 'tick') sends.push(ctx.responders['${out}'].${method}({ id: m.payload.id, seq: m.payload.seq }))
  }
  await Promise.all(sends)
})
`
}

/**
 * Every echo in `topic` as a read_committed reader sees it, as ledger entries of one runner (so
 * that checkLedger's order check asks for each key's echoes in sequence, once each). Reads until
 * at least `minimum` arrived and nothing more came for a second.
 */
export async function readEchoes(topic: string, minimum: number, timeoutMs = 60_000): Promise<LedgerEntry[]> {
  const consumer = testKafka().consumer({ groupId: `echoes-${process.pid}-${Date.now()}` })
  const entries: LedgerEntry[] = []
  let lastAt = Date.now()
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        const { payload } = JSON.parse(message.value!.toString()) as { payload: { id: string; seq: number } }
        entries.push({ runner: 'out', partition: batch.partition, offset: Number(message.offset), key: payload.id, seq: payload.seq })
      }
      lastAt = Date.now()
    },
  })
  try {
    const deadline = Date.now() + timeoutMs
    while (entries.length < minimum || Date.now() - lastAt < 1_000) {
      if (Date.now() > deadline) throw new Error(`only ${entries.length} of at least ${minimum} echoes in ${topic} after ${timeoutMs} ms`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } finally {
    await consumer.disconnect()
  }
  return entries
}

export function readLedger(file: string): LedgerEntry[] {
  if (!existsSync(file)) return []
  const entries: LedgerEntry[] = []
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [runner, partition, offset, key, seq] = line.split(' ')
    if (seq === undefined || !/^\d+$/.test(seq)) continue // the torn last line of a killed process
    entries.push({ runner: runner!, partition: Number(partition), offset: Number(offset), key: key!, seq: Number(seq) })
  }
  return entries
}

export interface LedgerCheck {
  produced: number
  handled: number
  unique: number
  duplicates: number
  lost: string[]
  /** Places where one runner saw a key's sequence other than one more than the last it saw. */
  outOfOrder: string[]
}

/**
 * Compares the ledger with `produced` (key -> how many sequence numbers, 0..n-1, were produced).
 * Within one runner's lifetime, each key must advance one by one; across runners, a message may
 * come again (at-least-once), but none may be missing.
 */
export function checkLedger(entries: LedgerEntry[], produced: Map<string, number>): LedgerCheck {
  const seen = new Set<string>()
  const last = new Map<string, number>()
  const outOfOrder: string[] = []
  for (const entry of entries) {
    seen.add(`${entry.key}#${entry.seq}`)
    const runnerKey = `${entry.runner}/${entry.key}`
    const previous = last.get(runnerKey)
    if (previous !== undefined && entry.seq !== previous + 1 && outOfOrder.length < 20)
      outOfOrder.push(`${runnerKey}: ${previous} then ${entry.seq}`)
    last.set(runnerKey, entry.seq)
  }
  const lost: string[] = []
  let total = 0
  for (const [key, count] of produced) {
    total += count
    for (let seq = 0; seq < count; seq++) if (!seen.has(`${key}#${seq}`) && lost.length < 20) lost.push(`${key}#${seq}`)
  }
  const handled = entries.filter((e) => produced.has(e.key)).length
  return { produced: total, handled, unique: seen.size, duplicates: handled - seen.size, lost, outOfOrder }
}

/** Produces `count` messages round-robin over `keys` keys, each with the next sequence number of its key. */
export class SequenceSource {
  readonly produced = new Map<string, number>()
  total = 0
  constructor(private readonly keys: number) {}

  next(): { key: string; seq: number } {
    const key = `k${this.total % this.keys}`
    const seq = this.produced.get(key) ?? 0
    this.produced.set(key, seq + 1)
    this.total++
    return { key, seq }
  }
}

/** Total lag of `group` on `topic`, as `karafka lag` computes it. */
export async function groupLag(group: string, topic: string, brokers?: string[]): Promise<number> {
  const rows = await readLag(testKafka('lag', brokers), { [group]: [topic] })
  return rows.reduce((lag, row) => lag + row.lag, 0)
}

/** A small seeded generator (mulberry32), so that a failing run can be repeated with its seed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
