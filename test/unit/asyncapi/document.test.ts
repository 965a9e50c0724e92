import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { DiagnosticSeverity, Parser } from '@asyncapi/parser'
import { parse as parseYaml } from 'yaml'
import { karafka } from '../../helpers/cli.js'
import { tempProject } from '../../helpers/project.js'

const EXAMPLE = fileURLToPath(new URL('../../../karafka.yml', import.meta.url))

/** The value of an object's Kafka binding (it must have one). */
const kafkaBinding = <T>(of: { bindings(): { get(name: string): { value(): unknown } | undefined } }) =>
  of.bindings().get('kafka')!.value() as T

/** Parses a document with the AsyncAPI project's own parser; fails on any error it reports. */
async function parse(text: string) {
  const { document, diagnostics } = await new Parser().parse(text)
  const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error)
  assert.deepEqual(
    errors.map((d) => `${d.path.join('.')}: ${d.message}`),
    [],
    'the AsyncAPI parser finds no error',
  )
  assert.ok(document, 'a parsed document')
  return document
}

describe('karafka asyncapi', () => {
  it("writes the example app as a valid AsyncAPI 3.0 document: channels with Kafka bindings, messages with their schemas and keys, the groups' operations", async () => {
    const run = await karafka(['asyncapi', '--manifest', EXAMPLE, '--out', '-'])
    assert.equal(run.code, 0, run.stderr)
    const document = await parse(run.stdout)
    assert.equal(document.version(), '3.0.0')
    assert.deepEqual(
      document
        .channels()
        .all()
        .map((c) => c.address()),
      ['users', 'orders', 'orders.dlq', 'users.welcome.dlq'],
    )
    const users = document.channels().get('users')!
    assert.deepEqual(kafkaBinding(users), {
      partitions: 3,
      replicas: 1,
      topicConfiguration: { 'cleanup.policy': ['compact'] },
    })
    // What the document says, read as written (the parser adds ids of its own to the schemas it returns).
    const raw = parseYaml(run.stdout) as { components: { messages: Record<string, { payload: unknown }> } }
    const created = document.messages().get('UserCreated')!
    const payload = raw.components.messages.UserCreated!.payload as {
      properties: { event_name: unknown; payload: { properties: object; required: string[] } }
    }
    assert.deepEqual(payload.properties.event_name, { type: 'string', const: 'user_created' })
    assert.deepEqual(Object.keys(payload.properties.payload.properties), ['id', 'email', 'name'])
    assert.deepEqual(payload.properties.payload.required, ['id', 'email'], 'name? is optional')
    assert.match(String(kafkaBinding<{ key: { description: string } }>(created).key.description), /String\(payload\.id\)/)
    const receive = document.operations().get('example.orders.receive')!
    assert.equal(receive.action(), 'receive')
    assert.deepEqual(kafkaBinding<{ groupId: unknown }>(receive).groupId, { type: 'string', enum: ['example'] })
    assert.deepEqual(
      receive
        .messages()
        .all()
        .map((m) => m.name()),
      ['order_completed', 'customer_shipping_address_updated', 'invoice_issued', 'tombstone'],
    )
  })

  it("converts an app's zod schema, says how clients authenticate and partition, and --check tells a stale file", async () => {
    const project = tempProject({
      'package.json': JSON.stringify({ name: 'shop', version: '2.3.4', type: 'module' }),
      'schemas/invoice.ts': `import { z } from 'zod'\nexport const Invoice = z.object({ invoiceId: z.string(), customerId: z.string(), amount: z.number().positive(), lines: z.array(z.object({ sku: z.string() })).optional() })\n`,
      'karafka.yml': `app:
  clientId: shop
  brokers: [b-1.example:9096, b-2.example:9096]
  ssl: true
  sasl: { mechanism: scram-sha-512, username: shop, password: "\${SHOP_PASSWORD:-x}" }
  partitioner: crc32
topics:
  invoices:
    partitions: 12
    config: { retention.ms: 604800000 }
    key: customerId
    events:
      invoice_issued: ./schemas/invoice.ts#Invoice
`,
    })
    try {
      const out = path.join(project.dir, 'asyncapi.yaml')
      const run = await karafka(['asyncapi', '--manifest', path.join(project.dir, 'karafka.yml')])
      assert.equal(run.code, 0, run.stderr)
      assert.match(run.stdout, /wrote .*asyncapi\.yaml: AsyncAPI 3\.0\.0, 1 channels, 1 events, 0 consumer routes/)
      const text = readFileSync(out, 'utf8')
      assert.ok(!text.includes('SHOP_PASSWORD') && !text.includes('password'), 'no credentials in the document')
      const document = await parse(text)
      assert.equal(document.info().version(), '2.3.4')
      assert.deepEqual(
        document
          .servers()
          .all()
          .map((s) => [s.host(), s.protocol(), s.security().flatMap((r) => r.all().map((requirement) => requirement.scheme().type()))]),
        [
          ['b-1.example:9096', 'kafka-secure', ['scramSha512']],
          ['b-2.example:9096', 'kafka-secure', ['scramSha512']],
        ],
      )
      const invoices = document.channels().get('invoices')!
      assert.equal(invoices.json()['x-karafka-partitioner'], 'crc32')
      assert.deepEqual(kafkaBinding<{ topicConfiguration: unknown }>(invoices).topicConfiguration, {
        'retention.ms': 604800000,
      })
      const raw = parseYaml(text) as { components: { messages: Record<string, { payload: unknown }> } }
      const payload = raw.components.messages.InvoiceIssued!.payload as {
        properties: { payload: { properties: Record<string, { type?: string; exclusiveMinimum?: number }>; required: string[] } }
      }
      assert.deepEqual(payload.properties.payload.required, ['invoiceId', 'customerId', 'amount'])
      assert.deepEqual(
        payload.properties.payload.properties.amount,
        { type: 'number', exclusiveMinimum: 0 },
        "zod's own constraints carry over",
      )

      const check = (await karafka(['asyncapi', '--check', '--manifest', path.join(project.dir, 'karafka.yml')])).code
      assert.equal(check, 0)
      project.write('karafka.yml', readFileSync(path.join(project.dir, 'karafka.yml'), 'utf8').replace('partitions: 12', 'partitions: 24'))
      const stale = await karafka(['asyncapi', '--check', '--manifest', path.join(project.dir, 'karafka.yml')])
      assert.equal(stale.code, 1)
      assert.match(stale.stderr, /asyncapi\.yaml is stale; run karafka asyncapi/)
      assert.equal(readFileSync(out, 'utf8'), text, '--check writes nothing')
    } finally {
      project.remove()
    }
  })
  it('numbers routes whose ids would meet, gives the group id AWS polls with, and writes boolean topic configs as booleans', async () => {
    const project = tempProject({
      'karafka.yml': `app:
  clientId: ops
  brokers: 127.0.0.1:9092
lambda:
  region: us-east-1
topics:
  b.other:
    key: id
    config: { message.downconversion.enable: "false" }
    events:
      noted: { id: string }
  other:
    key: id
    events:
      seen: { id: string }
consumerGroups:
  a:
    topics:
      b.other: { handler: handlers/one.ts }
  a.b:
    topics:
      other: { handler: handlers/two.ts, backend: lambda, poller: aws, aws: { consumerGroupId: ops-on-aws } }
`,
    })
    try {
      const run = await karafka(['asyncapi', '--manifest', path.join(project.dir, 'karafka.yml'), '--out', '-'])
      assert.equal(run.code, 0, run.stderr)
      const document = await parse(run.stdout)
      const receives = document
        .operations()
        .all()
        .filter((o) => o.action() === 'receive')
      assert.deepEqual(receives.map((o) => o.id()).sort(), ['a.b.other.receive', 'a.b.other.receive-2'], 'both routes, neither lost')
      const aws = receives.find((o) => o.channels().all()[0]?.address() === 'other')!
      const binding = kafkaBinding<{ groupId: { enum: string[] }; clientId?: unknown }>(aws)
      assert.deepEqual(binding.groupId.enum, ['ops-on-aws'])
      assert.equal(binding.clientId, undefined, "AWS's mapping has no client id of the app's")
      assert.deepEqual(kafkaBinding<{ topicConfiguration: unknown }>(document.channels().get('b.other')!).topicConfiguration, {
        'message.downconversion.enable': false,
      })
    } finally {
      project.remove()
    }
  })
})
