// Codegen time against manifest size: N topics of 4 events each, run as a user runs it
// (`karafka codegen` in a fresh process), cold (nothing generated yet) and again with
// nothing changed. The time inside the run is what codegen reports; the wall time adds
// process start-up (node, tsx, ts-morph).
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { median } from './data.js'

const REPO = fileURLToPath(new URL('../', import.meta.url))
const BIN = path.join(REPO, 'bin/karafka.js')

export interface CodegenFigure {
  topics: number
  events: number
  coldMs: number
  coldWallMs: number
  unchangedMs: number
  unchangedWallMs: number
  written: number
  unchangedWritten: number
}

export function manifestWithTopics(count: number): string {
  const topics = Array.from(
    { length: count },
    (_, i) => `  topic_${i}:
    partitions: 3
    key: accountId
    events:
      created_${i}: { accountId: string, name: string, tags: [string], at: timestamp }
      updated_${i}: { accountId: string, changes: { field: string, value: json }, version: integer }
      archived_${i}: { accountId: string, reason?: "enum(user,admin,system)" }
      merged_${i}: { accountId: string, into: string, items: [{ id: string, qty: integer }] }`,
  )
  const routes = Array.from({ length: count }, (_, i) => `      topic_${i}: { handler: handlers/topic_${i}.ts }`)
  return `app: { clientId: bench, brokers: 127.0.0.1:9092 }\ntopics:\n${topics.join('\n')}\nconsumerGroups:\n  bench:\n    topics:\n${routes.join('\n')}\n`
}

function run(dir: string): { ms: number; wallMs: number; written: number } {
  const began = performance.now()
  const result = spawnSync(process.execPath, [BIN, 'codegen'], { cwd: dir, encoding: 'utf8' })
  const wallMs = performance.now() - began
  if (result.status !== 0) throw new Error(`codegen failed: ${result.stderr}`)
  const match = /codegen: (\d+) written, \d+ unchanged, \d+ removed in (\d+) ms/.exec(result.stdout)
  if (!match) throw new Error(`unexpected output: ${result.stdout}`)
  return { ms: Number(match[2]), wallMs, written: Number(match[1]) }
}

const medianMs = (values: number[]) => Math.round(median(values))

/** Each size `repeats` times from scratch; the medians are reported. */
export function benchCodegen(sizes = [10, 100, 500], repeats = 3): CodegenFigure[] {
  return sizes.map((topics) => {
    const dir = path.join(REPO, '.tmp', `bench-codegen-${topics}`)
    const runs = Array.from({ length: repeats }, () => {
      rmSync(dir, { recursive: true, force: true })
      mkdirSync(dir, { recursive: true })
      writeFileSync(path.join(dir, 'karafka.yml'), manifestWithTopics(topics))
      return { cold: run(dir), again: run(dir) }
    })
    rmSync(dir, { recursive: true, force: true })
    return {
      topics,
      events: topics * 4,
      coldMs: medianMs(runs.map((r) => r.cold.ms)),
      coldWallMs: medianMs(runs.map((r) => r.cold.wallMs)),
      unchangedMs: medianMs(runs.map((r) => r.again.ms)),
      unchangedWallMs: medianMs(runs.map((r) => r.again.wallMs)),
      written: runs[0]!.cold.written,
      unchangedWritten: Math.max(...runs.map((r) => r.again.written)),
    }
  })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = benchCodegen()
  console.log('| topics | events | cold (in run) | cold (wall) | unchanged (in run) | unchanged (wall) | files written cold / unchanged |')
  console.log('| --- | --- | --- | --- | --- | --- | --- |')
  for (const f of figures)
    console.log(
      `| ${f.topics} | ${f.events} | ${f.coldMs} ms | ${f.coldWallMs} ms | ${f.unchangedMs} ms | ${f.unchangedWallMs} ms | ${f.written} / ${f.unchangedWritten} |`,
    )
}
