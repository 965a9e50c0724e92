import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { parseDocument } from 'yaml'
import { ManifestError } from '../../../src/errors/index.js'
import { manifestTemplate } from '../../../src/init/templates.js'
import { expandPlainValue } from '../../../src/manifest/env.js'
import { parseManifest } from '../../../src/manifest/index.js'
import { quickParse } from '../../../src/manifest/quick-parse.js'

const fixtures = fileURLToPath(new URL('../../fixtures/manifests/', import.meta.url))
const root = fileURLToPath(new URL('../../../', import.meta.url))

/** The full reading, as source.ts does it. */
const fullRead = (text: string): unknown => parseDocument(text, { merge: true, uniqueKeys: true, logLevel: 'error' }).toJS()

/** A manifest of `count` topics written in the ways manifests are: flow maps, lists, optional fields, enums, quoted text. */
function manyTopics(count: number): string {
  const topics = Array.from(
    { length: count },
    (_, i) => `  topic_${i}:
    partitions: ${(i % 6) + 1}
    key: accountId
    config: { retention.ms: ${i * 1000}, cleanup.policy: ${i % 2 ? 'compact' : 'delete'} }
    events:
      created_${i}: { accountId: string, name: string, tags: [string], at: timestamp }
      archived_${i}: { accountId: string, reason?: "enum(user,admin,system)", note: 'it''s "${i}"' }`,
  )
  return `app: { clientId: many, brokers: 127.0.0.1:9092 }\ntopics:\n${topics.join('\n')}\n`
}

describe('quickParse', () => {
  it('resolves each plain scalar as the full reading does', () => {
    const scalars = [
      ...['1', '014', '-0', '+12', '1_000', '0o14', '0O7', '0x1F', '0XFF', '0xff_ff', '0b101', '+0x1', '-0x1', '9007199254740993'],
      ...['1.0', '-0.0', '3.', '.5', '+.5', '-.5', '1e3', '1E+2', '1.5e-3', '+1e3', '.5e3', '1e', '.inf', '-.Inf', '+.INF', '.nan', '.NaN'],
      ...['~', 'null', 'Null', 'NULL', 'nULL', 'true', 'True', 'TRUE', 'tRUE', 'false', 'yes', 'no', 'on', 'off', 'y'],
      ...['2024-01-01', '2026-01-31T00:00:00Z', '12:30:45', '1:20', 'a:b', 'http://x:1/y', 'x #y', 'x#y', '.', '0x', '0o'],
      ...['"1"', "'1'", '"a\\tb"', '"\\x41\\u00e9"', "'it''s'", '>-\n  folded\n  text', '|\n  literal\n', 'plain\n  continued'],
    ]
    for (const scalar of scalars) {
      const text = `k: ${scalar}\n`
      const quick = quickParse(text) as { k: unknown } | undefined
      assert.ok(quick, `${scalar} was not read quickly`)
      const full = (fullRead(text) as { k: unknown }).k
      assert.ok(
        Object.is(quick.k, full),
        `${JSON.stringify(scalar)}: quickly ${typeof quick.k} ${String(quick.k)}, in full ${typeof full} ${String(full)}`,
      )
    }
  })

  it('names mapping keys as the full reading does', () => {
    const texts = [
      'k: { 1: a, true: b, null: c, 1.5: e, 0x10: f, 1e3: g, .inf: h, "": i, 010: j, -0: k, x: l }\n',
      'k: { ~: a }\n',
      'k:\n  null: a\n  "": b\n',
      '__proto__: { polluted: 1 }\n',
    ]
    for (const text of texts) {
      const quick = quickParse(text)
      assert.ok(quick !== undefined, text)
      assert.deepEqual(quick, fullRead(text), text)
    }
    const proto = quickParse(texts[3]!) as Record<string, unknown>
    assert.ok(Object.hasOwn(proto, '__proto__'))
    assert.equal(Object.getPrototypeOf(proto), Object.prototype)
  })

  it('reads whole manifests as the full reading does', () => {
    const bad = path.join(fixtures, 'bad')
    const texts = [
      readFileSync(path.join(root, 'karafka.yml'), 'utf8'),
      readFileSync(path.join(fixtures, 'good/full.yml'), 'utf8'),
      manifestTemplate({ name: 'shop', lambda: false }),
      manifestTemplate({ name: 'shop', lambda: true }),
      manyTopics(40),
      ...readdirSync(bad)
        .filter((name) => name.endsWith('.yml'))
        .map((name) => readFileSync(path.join(bad, name), 'utf8')),
    ]
    let quickly = 0
    for (const text of texts) {
      const quick = quickParse(text)
      if (quick === undefined) continue
      quickly++
      assert.deepEqual(quick, fullRead(text), text.slice(0, 200))
    }
    // The example app, full.yml, both templates, the 40 topics and most bad manifests (syntax errors and merges aside).
    assert.ok(quickly >= 5 + 20, `only ${quickly} of ${texts.length} were read quickly`)
  })

  it('leaves to the full reading what it cannot stand for', () => {
    const refused = {
      alias: 'a: &x 1\nb: *x\n',
      merge: 'base: &b { x: 1 }\nc:\n  <<: *b\n',
      'merge without an alias': 'c:\n  <<: { x: 1 }\n  y: 2\n',
      tag: 'a: !!str 1\n',
      'duplicate key': 'a: 1\na: 2\n',
      'duplicate key in a flow map': 'a: { b: 1, b: 2 }\n',
      'list as a key': '[a, b]: 1\n',
      'map as a key': '{ a: 1 }: 2\n',
      empty: '',
      'comment only': '# nothing\n',
      'two documents': 'a: 1\n---\nb: 2\n',
      'syntax error': 'a: [1, 2\n',
    }
    for (const [what, text] of Object.entries(refused)) assert.equal(quickParse(text), undefined, what)
  })
})

describe('parseManifest on a manifest read quickly', () => {
  /** What loading gives: the manifest (without its locate function) or the formatted error. */
  const outcome = (text: string, env: NodeJS.ProcessEnv): unknown => {
    try {
      const { locate: _, ...manifest } = parseManifest(text, 'inline.yml', path.join(root, 'inline.yml'), env)
      return manifest
    } catch (error) {
      if (error instanceof ManifestError) return error.format()
      throw error
    }
  }
  /** The same manifest with a tag that makes the loader read it in full. */
  const inFull = (text: string) => text.replace('clientId: app', 'clientId: !!str app')
  const manifest = (app: string, lambda = '') =>
    `app:\n  clientId: app\n${app}${lambda}topics:\n  notes:\n    events:\n      noted: { text: string }\n`

  it('expands variables and types them as the full reading does', () => {
    const env = { BROKERS: 'k1:9092,k2:9092', TIMEOUT: '7000', MEMORY: '512', KAFKA_PASSWORD: 'pa55', NAME: '123' }
    const cases = {
      'a plain number': manifest('  brokers: ${BROKERS}\n  shutdownTimeoutMs: ${TIMEOUT}\n'),
      'a quoted number': manifest('  brokers: "${BROKERS}"\n  shutdownTimeoutMs: "${TIMEOUT}"\n'),
      'a default': manifest('  brokers: ${UNSET_BROKERS:-k:9092}\n  shutdownTimeoutMs: ${UNSET_TIMEOUT:-9000}\n'),
      'a secret': manifest('  brokers: k:9092\n  sasl: { mechanism: plain, username: u, password: "${KAFKA_PASSWORD}" }\n'),
      'text around a reference': manifest('  brokers: k:9092\n', 'lambda:\n  role: arn:aws:iam::${NAME}:role/x\n  memorySize: ${MEMORY}\n'),
      'one reference written both ways': manifest(
        '  brokers: k:9092\n  shutdownTimeoutMs: ${TIMEOUT}\n',
        'lambda:\n  role: "${TIMEOUT}"\n',
      ),
      'an unset variable': manifest('  brokers: ${NOPE}\n'),
      'a plain number where text belongs': manifest('  brokers: k:9092\n', 'lambda:\n  role: ${NAME}\n'),
    }
    for (const [what, text] of Object.entries(cases)) assert.deepEqual(outcome(text, env), outcome(inFull(text), env), what)
    // Neither side is empty: the first case loads, with its variables typed.
    assert.equal((outcome(cases['a plain number'], env) as { app: { shutdownTimeoutMs: number } }).app.shutdownTimeoutMs, 7000)
    assert.match(String(outcome(cases['an unset variable'], env)), /inline\.yml:3:\d+.*\$\{NOPE\} is not set/)
  })

  it('expands a reference by how it is written: unquoted everywhere, quoted everywhere, or unsure', () => {
    const read = { a: '${N}', b: ['${N}'], c: 'x ${N}' }
    const env = { N: '42' }
    assert.deepEqual(expandPlainValue(read, env, 'a: ${N}\nb: [${N}]\nc: x ${N}\n'), { value: { a: 42, b: [42], c: 'x 42' }, secrets: [] })
    const quoted = { a: '${N}', b: ['${N}'] }
    assert.deepEqual(expandPlainValue(quoted, env, 'a: "${N}"\nb: [\'${N}\']\n'), { value: { a: '42', b: ['42'] }, secrets: [] })
    assert.equal(expandPlainValue(read, env, 'a: ${N}\nb: ["${N}"]\nc: x ${N}\n'), undefined)
    // Inside longer text a reference looks unquoted: beside a quoted one, that is unsure too.
    assert.equal(expandPlainValue(read, env, 'a: "${N}"\nb: [\'${N}\']\nc: "x ${N}"\n'), undefined)
    assert.equal(expandPlainValue({ a: '${UNSET}' }, {}, 'a: ${UNSET}\n'), undefined)
  })
})
