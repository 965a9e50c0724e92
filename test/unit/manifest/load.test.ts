import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { KarafkaError, ManifestError } from '../../../src/errors/index.js'
import { loadManifest, parseManifest } from '../../../src/manifest/index.js'

const fixtures = fileURLToPath(new URL('../../fixtures/manifests/', import.meta.url))
const bad = path.join(fixtures, 'bad')
const root = fileURLToPath(new URL('../../../', import.meta.url))

function errorOf(fn: () => unknown): ManifestError {
  try {
    fn()
  } catch (error) {
    if (error instanceof ManifestError) return error
    throw error
  }
  assert.fail('expected a ManifestError')
}

describe('loadManifest: bad manifests', () => {
  const names = readdirSync(bad).filter((name) => name.endsWith('.yml'))

  it('has at least 20 bad fixtures, each with its expected output', () => {
    assert.ok(names.length >= 20, `only ${names.length} fixtures`)
    for (const name of names) assert.ok(readdirSync(bad).includes(name.replace(/\.yml$/, '.expected')), `${name} has no .expected`)
  })

  for (const name of names) {
    it(`reports ${name} exactly as expected`, () => {
      const error = errorOf(() => loadManifest(name, { cwd: bad, env: {} }))
      const expected = readFileSync(path.join(bad, name.replace(/\.yml$/, '.expected')), 'utf8')
      assert.equal(`${error.format()}\n`, expected)
      for (const issue of error.issues) {
        assert.equal(issue.file, name)
        assert.ok(issue.line >= 1 && issue.col >= 1)
      }
    })
  }

  it('reports every problem at once, in source order', () => {
    const error = errorOf(() => loadManifest('many-problems.yml', { cwd: bad, env: {} }))
    assert.equal(error.issues.length, 6)
    const lines = error.issues.map((issue) => issue.line)
    assert.deepEqual(
      lines,
      [...lines].sort((a, b) => a - b),
    )
  })

  it('names a missing manifest and says how to create one', () => {
    assert.throws(
      () => loadManifest('nope.yml', { cwd: bad }),
      (error: unknown) =>
        error instanceof KarafkaError &&
        error.code === 'MANIFEST_NOT_FOUND' &&
        /nope\.yml/.test(error.message) &&
        /karafka init/.test(error.hint ?? ''),
    )
  })
})

describe('loadManifest: good manifests', () => {
  const env = { KAFKA_PASSWORD: 's3cr3t-canary' }

  it('resolves the example app', () => {
    const manifest = loadManifest(path.join(root, 'karafka.yml'), { env: {} })
    assert.deepEqual(manifest.app.brokers, ['127.0.0.1:9092'])
    assert.equal(manifest.topics.users?.config['cleanup.policy'], 'compact')
    assert.equal(manifest.topics.users?.key, 'id')
    assert.equal(manifest.topics.orders?.key, 'customerId')
    assert.deepEqual(
      manifest.routes.map((r) => `${r.group}/${r.topic} ${r.poller}`),
      ['example/users karafka', 'example/orders karafka', 'example_mailer/users aws'],
    )
    assert.deepEqual(manifest.routes[2]?.aws, { consumerGroupId: 'example_mailer', pollers: { min: 1, max: 3 } })
  })

  it('applies defaults, expands variables and types them', () => {
    const manifest = loadManifest(path.join(fixtures, 'good/full.yml'), { env })
    assert.equal(manifest.app.shutdownTimeoutMs, 5000)
    assert.equal(manifest.lambda?.memorySize, 512)
    assert.equal(manifest.lambda?.alias, 'live')
    assert.equal(manifest.lambda?.timeout, 30)
    assert.equal(manifest.app.sasl && 'password' in manifest.app.sasl ? manifest.app.sasl.password : undefined, 's3cr3t-canary')
    assert.deepEqual(manifest.secrets, ['s3cr3t-canary'])
    const [carts, invoices] = manifest.routes
    assert.equal(carts?.functionName, 'shop-checkout-carts')
    assert.deepEqual(carts?.batch, { maxSize: 100, maxWaitMs: 50 })
    assert.deepEqual(carts?.retry, { attempts: 3, backoffMs: 1000, maxBackoffMs: 30000 })
    assert.equal(carts?.startFrom, '2026-01-31T00:00:00Z')
    assert.equal(invoices?.backend, 'local')
    assert.equal(invoices?.handlerPath, path.join(fixtures, 'good/handlers/invoices.ts'))
    assert.deepEqual(manifest.topics.carts?.config, { 'retention.ms': '604800000', 'cleanup.policy': 'delete' })
    assert.deepEqual(manifest.topics.invoices?.events.invoice_issued, {
      kind: 'ref',
      module: './schemas/invoice.ts',
      exportName: 'InvoiceIssued',
    })
  })

  it('parses nested objects, arrays, enums and optional fields', () => {
    const manifest = loadManifest(path.join(fixtures, 'good/full.yml'), { env })
    const opened = manifest.topics.carts?.events.cart_opened
    assert.equal(opened?.kind, 'fields')
    const fields = opened?.kind === 'fields' ? opened.fields : []
    assert.deepEqual(
      fields.map((f) => [f.name, f.optional, f.type.kind]),
      [
        ['customer', false, 'object'],
        ['tags', false, 'array'],
        ['lines', false, 'array'],
        ['openedAt', false, 'timestamp'],
        ['meta', true, 'json'],
      ],
    )
    assert.deepEqual(fields[0]?.type, {
      kind: 'object',
      fields: [
        { name: 'id', optional: false, type: { kind: 'string' } },
        { name: 'tier', optional: false, type: { kind: 'enum', values: ['free', 'gold'] } },
      ],
    })
  })

  it('keeps $${VAR} literal and splits comma-separated brokers', () => {
    const text = 'app: { clientId: a, brokers: "${B:-k1:9092, k2:9093}" }\ntopics:\n  t:\n    events:\n      e: { note: "enum($${X},b)" }\n'
    const error = errorOf(() => parseManifest(text, 'inline.yml', '/tmp/inline.yml', {}))
    assert.match(error.format(), /enum value "\$\{X\}"/)
    const manifest = parseManifest(text.replace('enum($${X},b)', 'string'), 'inline.yml', '/tmp/inline.yml', {})
    assert.deepEqual(manifest.app.brokers, ['k1:9092', 'k2:9093'])
  })

  it('locates fields for errors found after loading', () => {
    const manifest = loadManifest(path.join(root, 'karafka.yml'), { env: {} })
    const at = manifest.locate(['consumerGroups', 'example', 'topics', 'users', 'handler'])
    const line = readFileSync(path.join(root, 'karafka.yml'), 'utf8').split('\n')[at.line - 1]
    assert.match(line ?? '', /handler: handlers\/users\.ts/)
  })
})
