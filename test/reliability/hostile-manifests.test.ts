// Hostile manifests: a seeded corpus of mutations of valid manifests (wrong types, deep
// nesting, huge values, unicode, anchors and aliases, duplicate keys, handler paths that try
// to leave the project, torn and garbled text) through `karafka codegen`, which loads the
// manifest and generates. Each must exit 0, or exit 2 with an error located in karafka.yml;
// nothing may be written outside the project, and a refusal must write nothing at all.
// KARAFKA_SOAK=1 runs 10,000; KARAFKA_SEED repeats a corpus.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { type Document, isMap, isScalar, parseDocument, visit } from 'yaml'
import { karafkaInProcess as cli } from '../helpers/cli.js'
import { seeded } from '../helpers/ledger.js'
import { CODEGEN_MANIFEST, INVOICE_SCHEMA, REPO } from '../helpers/project.js'

const SOAK = process.env.KARAFKA_SOAK === '1'
const COUNT = SOAK ? 10_000 : 1_000
const SEED = Number(process.env.KARAFKA_SEED ?? Math.floor(Math.random() * 1e9))
const CANARY = `karafka-pwned-${process.pid}`

const BASES = [readFileSync(path.join(REPO, 'karafka.yml'), 'utf8'), CODEGEN_MANIFEST]

type Random = () => number
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!

/** Every path to a node in the document, for the document mutations to aim at. */
function nodePaths(doc: Document): (string | number)[][] {
  const paths: (string | number)[][] = []
  visit(doc, {
    Pair(_key, pair, nodePath) {
      const keys: (string | number)[] = []
      for (const node of [...nodePath, pair]) {
        if (node && typeof node === 'object' && 'key' in node && isScalar(node.key)) keys.push(String(node.key.value))
      }
      paths.push(keys)
    },
  })
  return paths.filter((p) => p.length > 0)
}

const nested = (depth: number, open: string, close: string, inner = '1') => open.repeat(depth) + inner + close.repeat(depth)

const HOSTILE_VALUES: ((random: Random) => unknown)[] = [
  () => 42,
  () => -1,
  () => 0,
  () => 2 ** 31,
  () => 1e308,
  () => Number.MAX_SAFE_INTEGER + 2,
  () => true,
  () => null,
  () => [],
  () => ({}),
  () => ['a', 1, null],
  () => ({ nested: { deeper: [1, { x: 'y' }] } }),
  () => '',
  () => ' ',
  (random) => 'x'.repeat(pick(random, [1_000, 100_000, 1_000_000])),
  () => '🦄💥',
  () => '\u202Emoc.live\u202C',
  () => 'zero\u200Bwidth',
  () => 'nul\u0000byte',
  () => 'e\u0301\u0301\u0301',
  () => 'string[]',
  () => '[{ a: string }]',
  () => 'enum()',
  () => 'enum(a,a)',
  () => './schemas/missing.ts#Nope',
  () => '${UNSET_VARIABLE_FOR_HOSTILE_TEST}',
  () => '${SECRET_TOKEN:-}',
  () => '${',
  () => '$${x}',
  () => `../${CANARY}.ts`,
  () => `../../${CANARY}.ts`,
  () => `handlers/../../${CANARY}.ts`,
  () => `${os.tmpdir()}/${CANARY}.ts`,
  () => `handlers\\..\\..\\${CANARY}.ts`,
  () => `C:\\${CANARY}.ts`,
  () => `handlers/%2e%2e/%2e%2e/${CANARY}.ts`,
  () => 'handlers/',
  () => 'handlers/.ts',
  () => `handlers/${'d/'.repeat(200)}x.ts`,
  () => `handlers/${'x'.repeat(300)}.ts`,
  () => 'y'.repeat(300),
  () => 'handlers/nul\u0000.ts',
  () => '~/x.ts',
]

const TEXT_MUTATIONS: ((text: string, random: Random) => string)[] = [
  // Deep nesting, in flow and block style, at a random key.
  (text, random) => text.replace(/(\n\s+\w+:) .*/, `$1 ${nested(pick(random, [50, 500, 5_000]), '[', ']')}`),
  (text, random) => text.replace(/(\n\s+\w+:) .*/, `$1 ${nested(pick(random, [50, 500, 5_000]), '{a: ', '}')}`),
  (text, random) =>
    `${text}\ndeep:\n${Array.from({ length: pick(random, [100, 1_000]) }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')} 1\n`,
  // Anchors and aliases: a billion laughs, an alias to nothing, a merge key, a self-reference.
  (text) =>
    `${text}\nlol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nlol2: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nlol3: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nlol4: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nlol5: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`,
  (text) => text.replace(/\ntopics:\n/, '\ntopics: *nowhere\n'),
  (text) => text.replace(/\n(\s+)(partitions|key): (.*)/, '\n$1$2: &anchor $3\n$1extra: *anchor'),
  (text) => text.replace(/\napp:\n/, '\napp: &app\n').replace(/\ntopics:\n/, '\nother: { <<: *app }\ntopics:\n'),
  (text) => text.replace(/\nconsumerGroups:\n/, '\nconsumerGroups: &groups\n  again: *groups\n'),
  // Duplicate keys.
  (text) => text.replace(/\n(\s+)(key|partitions|handler): (.*)/, '\n$1$2: $3\n$1$2: $3'),
  (text) => `${text}\napp: { clientId: twice, brokers: x }\n`,
  (text) => text.replace(/\n(\s+)(\w+): \{/, '\n$1$2: {}\n$1$2: {'),
  // Torn and garbled text.
  (text, random) => text.slice(0, Math.floor(random() * text.length)),
  (text, random) => {
    const at = Math.floor(random() * text.length)
    return (
      text.slice(0, at) +
      pick(random, ['\t', '"', "'", ':', '- ', '{', '[', '\u0000', '\uFFFD', '%', '@', '`', '|', '>', '&', '*', '!', '#']) +
      text.slice(at + 1)
    )
  },
  (text, random) => {
    const lines = text.split('\n')
    lines.splice(Math.floor(random() * lines.length), 1)
    return lines.join('\n')
  },
  (text, random) => {
    const lines = text.split('\n')
    const at = Math.floor(random() * lines.length)
    lines[at] = ` ${lines[at]}`
    return lines.join('\n')
  },
  (text) => `\uFEFF${text}`,
  (text) => text.replace(/\n/g, '\r\n'),
  (text) => `%YAML 1.1\n---\n${text}`,
  (text) => `${text}\n---\nsecond: document\n`,
  (text) => `!!binary ${Buffer.from(text).toString('base64')}`,
  (text) => text.replace(/\n(\s+)(\w+): /, '\n$1? [complex, key]\n$1: value\n$1$2: '),
  () => '',
  () => '~',
  () => '[]',
  () => '"just a string"',
  (_text, random) => Buffer.from(Array.from({ length: 200 }, () => Math.floor(random() * 256))).toString('latin1'),
]

/** One mutated manifest: a document mutation (a hostile value at a random node) or a text mutation. */
function mutate(random: Random): { text: string; how: string } {
  const base = pick(random, BASES)
  if (random() < 0.55) {
    const doc = parseDocument(base)
    const paths = nodePaths(doc)
    const rounds = 1 + Math.floor(random() * 3)
    const hows: string[] = []
    for (let i = 0; i < rounds; i++) {
      const target = pick(random, paths)
      const valueIndex = Math.floor(random() * HOSTILE_VALUES.length)
      const value = HOSTILE_VALUES[valueIndex]!(random)
      // A hostile key goes beside the target, in a mapping only (a numeric key in a sequence would make it billions long).
      const asKey = random() < 0.2 && isMap(doc.getIn(target.slice(0, -1), true))
      try {
        if (asKey) doc.setIn([...target.slice(0, -1), String(value).slice(0, 200)], 'x')
        else doc.setIn(target, value)
        hows.push(`${asKey ? 'key' : 'value'} ${valueIndex} at ${target.join('.')}`)
      } catch {
        // An earlier mutation replaced a parent of the target with a scalar.
      }
    }
    return { text: doc.toString({ lineWidth: 0 }), how: hows.join('; ') }
  }
  const index = Math.floor(random() * TEXT_MUTATIONS.length)
  return { text: TEXT_MUTATIONS[index]!(base, random), how: `text mutation ${index}` }
}

/** Every file under `dir` with its size and modification time. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>()
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const file = path.join(at, name)
      const stat = statSync(file)
      if (stat.isDirectory()) walk(file)
      else files.set(file, `${stat.size}:${stat.mtimeMs}`)
    }
  }
  walk(dir)
  return files
}

describe(`hostile manifests: ${COUNT} mutations (seed ${SEED})`, () => {
  const root = path.join(REPO, '.tmp', `hostile-${process.pid}`)
  after(() => rmSync(root, { recursive: true, force: true }))

  it('every manifest gives exit 0, or exit 2 with a located error; nothing is written outside the project or half-written', async (t) => {
    const random = seeded(SEED)
    const failures: string[] = []
    const outcomes = { ok: 0, refused: 0 }
    const slowest = { ms: 0, n: -1, how: '' }
    const outside = [
      path.join(root, `${CANARY}.ts`),
      path.join(REPO, '.tmp', `${CANARY}.ts`),
      path.join(REPO, `${CANARY}.ts`),
      path.join(os.tmpdir(), `${CANARY}.ts`),
    ]
    for (let n = 0; n < COUNT && failures.length < 10; n++) {
      const { text, how } = mutate(random)
      const sandbox = path.join(root, `case-${n}`)
      const project = path.join(sandbox, 'app')
      mkdirSync(path.join(project, 'schemas'), { recursive: true })
      writeFileSync(path.join(sandbox, 'neighbour.txt'), "not the project's")
      writeFileSync(path.join(project, 'schemas', 'invoice.ts'), INVOICE_SCHEMA)
      writeFileSync(path.join(project, 'karafka.yml'), text)
      const before = snapshot(sandbox)
      const began = performance.now()
      const result = await cli(['codegen', '--manifest', path.join(project, 'karafka.yml')])
      const ms = performance.now() - began
      if (ms > slowest.ms) Object.assign(slowest, { ms, n, how })
      const after = snapshot(sandbox)
      const changed = [...after].filter(([file, stamp]) => before.get(file) !== stamp).map(([file]) => file)
      const problem = (() => {
        if (result.code === 0) {
          const strays = changed.filter((file) => !file.startsWith(project + path.sep))
          return strays.length > 0 ? `exit 0 but wrote outside the project: ${strays.join(', ')}` : undefined
        }
        if (result.code !== 2) return `exit ${result.code}: ${result.stderr.slice(0, 400)}`
        if (!/karafka\.yml(:\d+:\d+)? /.test(result.stderr)) return `exit 2 without a located error: ${result.stderr.slice(0, 300)}`
        if (changed.length > 0 || [...before.keys()].some((file) => !after.has(file))) return `exit 2 but changed ${changed.join(', ')}`
        return undefined
      })()
      const escaped = outside.filter((file) => existsSync(file))
      if (problem || escaped.length > 0)
        failures.push(
          `case ${n} (${how}): ${problem ?? `wrote ${escaped.join(', ')}`}\n--- karafka.yml, from the start ---\n${text.slice(0, 300)}`,
        )
      if (result.code === 0) outcomes.ok++
      else outcomes.refused++
      rmSync(sandbox, { recursive: true, force: true })
    }
    t.diagnostic(
      `hostile manifests: ${COUNT} mutations, ${outcomes.ok} accepted (exit 0), ${outcomes.refused} refused (exit 2); slowest: case ${slowest.n} (${slowest.how}) in ${Math.round(slowest.ms)} ms; seed ${SEED}`,
    )
    assert.deepEqual(failures, [])
    assert.ok(outcomes.ok > 0 && outcomes.refused > 0, 'the corpus holds both accepted and refused manifests')
  })
})
