import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { Project } from 'ts-morph'
import ts from 'typescript'
import { runCodegen } from '../../../generator/main.js'
import { CODEGEN_MANIFEST, INVOICE_SCHEMA, tempProject } from '../../helpers/project.js'
import { typecheck } from '../../helpers/typecheck.js'

const IMPORT = "import { defineConsumer, responders } from '../generated/karafka.js'\n"

// AWS's events are ours; ours are AWS's where AWS's format allows (a record with a key and a
// value); the generated entry's handler is a Lambda handler of AWS's Kafka events as users type one.
const AWS_TYPES = `import type { Handler, MSKEvent, MSKHandler, SelfManagedKafkaEvent, SelfManagedKafkaHandler } from 'aws-lambda'
import type { AwsKafkaEvent, AwsKafkaRecord, AwsMskEvent, AwsSelfManagedKafkaEvent, KafkaBatchResponse, PartialResult } from 'karafka-ts'
import { handler } from '../generated/lambda/mail.users.js'

export const fromSelfManaged = (event: SelfManagedKafkaEvent): AwsSelfManagedKafkaEvent => event
export const fromMsk = (event: MSKEvent): AwsMskEvent => event
export const fromEither = (event: SelfManagedKafkaEvent | MSKEvent): AwsKafkaEvent => event

type Keyed<E extends AwsKafkaEvent> = Omit<E, 'records'> & { records: Record<string, (AwsKafkaRecord & { key: string; value: string })[]> }
export const toSelfManaged = (event: Keyed<AwsSelfManagedKafkaEvent>): SelfManagedKafkaEvent => event
export const toMsk = (event: Keyed<AwsMskEvent>): MSKEvent => event

export const typed: Handler<SelfManagedKafkaEvent | MSKEvent, KafkaBatchResponse | PartialResult | undefined> = handler
export const untyped: Handler<MSKEvent> = handler
export const wrappedMsk: MSKHandler = async (event, context) => {
  await handler(event, context)
}
export const wrappedSelfManaged: SelfManagedKafkaHandler = async (event, context) => {
  await handler(event, context)
}
`

// Handler files, each expected to compile or to fail for one stated reason.
const CASES: Record<string, { code: string; error?: RegExp }> = {
  'handlers/good.ts': {
    code: `${IMPORT}
export default defineConsumer('example', 'users', async (messages, ctx) => {
  for (const message of messages) {
    if (message.tombstone) { const key: string | null = message.key; continue }
    if (message.event === 'user_created') { const email: string = message.payload.email; const name: string | undefined = message.payload.name }
    else { const id: number = message.payload.id }
    const offset: string = message.offset
    await ctx.responders.users.userDeleted({ id: 1 })
  }
})
export const sent = responders.carts.cartOpened({ customer: { id: 'c1', tier: 'gold' }, lines: [{ sku: 's', qty: 1 }], tags: [], openedAt: '2026-01-01T00:00:00Z' })
export const gone = responders.users.tombstone(42)
export const invoice = responders.invoices.invoiceIssued({ invoiceId: 'i', customerId: 'c', amount: 3 })
`,
  },
  'handlers/missing-field.ts': { code: `${IMPORT}responders.users.userCreated({ id: 1 })\n`, error: /Property 'email' is missing/ },
  'handlers/wrong-type.ts': {
    code: `${IMPORT}responders.users.userCreated({ id: '1', email: 'a@b.c' })\n`,
    error: /Type 'string' is not assignable to type 'number'/,
  },
  'handlers/unknown-event.ts': {
    code: `${IMPORT}responders.users.userUpdated({ id: 1 })\n`,
    error: /Property 'userUpdated' does not exist on type 'UsersResponder'/,
  },
  'handlers/bad-enum.ts': {
    code: `${IMPORT}responders.carts.cartOpened({ customer: { id: 'c', tier: 'platinum' }, lines: [], tags: [], openedAt: 'x' })\n`,
    error: /'"platinum"' is not assignable to type '"free" \| "gold"'/,
  },
  'handlers/narrowing.ts': {
    code: `${IMPORT}export default defineConsumer('example', 'users', (messages) => {
  for (const m of messages) if (m.event === 'user_deleted') console.log(m.payload.email)
})\n`,
    error: /Property 'email' does not exist on type '\{ id: number; \}'/,
  },
  'handlers/unknown-topic.ts': {
    code: `${IMPORT}export default defineConsumer('example', 'nope', async () => {})\n`,
    error: /Argument of type '"nope"' is not assignable to parameter of type '"users" \| "carts"'/,
  },
  // AWS's own event and handler types (@types/aws-lambda) against ours and the generated entry's handler.
  'handlers/aws-types.ts': { code: AWS_TYPES },
  'handlers/aws-null-key.ts': {
    code: `import type { SelfManagedKafkaEvent } from 'aws-lambda'
import type { AwsSelfManagedKafkaEvent } from 'karafka-ts'
// @types/aws-lambda says every record has a key and a value; AWS leaves out a null key and a tombstone's value.
export const theirs = (event: AwsSelfManagedKafkaEvent): SelfManagedKafkaEvent => event
`,
    error: /Type 'string \| null \| undefined' is not assignable to type 'string'/,
  },
  'handlers/aws-void-result.ts': {
    code: `import type { MSKHandler } from 'aws-lambda'
import { handler } from '../generated/lambda/mail.users.js'
// @types/aws-lambda types a Kafka handler's result as void: it has no partial batch answer.
export const direct: MSKHandler = handler
`,
    error: /Type 'KafkaBatchResponse' is not assignable to type 'void'/,
  },
  'handlers/wrong-group-topic.ts': {
    code: `${IMPORT}export default defineConsumer('billing', 'users', async () => {})\n`,
    error: /Argument of type '"users"' is not assignable to parameter of type '"invoices"'/,
  },
}

describe('generated code at compile time', () => {
  // Plus a route that AWS's event source mapping polls, for the entry under AWS's types.
  const manifest = `${CODEGEN_MANIFEST}  mail:\n    topics:\n      users: { handler: handlers/mail.ts, backend: lambda, poller: aws, deadLetter: users.dlq }\n`
  const app = tempProject({ 'karafka.yml': manifest, 'schemas/invoice.ts': INVOICE_SCHEMA })
  after(() => app.remove())
  runCodegen({ manifestPath: path.join(app.dir, 'karafka.yml'), cwd: app.dir, env: {} })
  const files = Object.entries(CASES).map(([name, { code }]) => app.write(name, code))
  const generated = [
    'generated/karafka.ts',
    'generated/lambda/example.carts.ts',
    'generated/lambda/mail.users.ts',
    'handlers/users.ts',
    'handlers/carts.ts',
    'handlers/invoices.ts',
  ].map((f) => path.join(app.dir, f))
  const errors = typecheck([...generated, ...files])

  it('the generated files, the stubs and a correct handler compile under strict', () => {
    for (const file of [...generated, path.join(app.dir, 'handlers/good.ts'), path.join(app.dir, 'handlers/aws-types.ts')])
      assert.deepEqual(errors.get(file), [], path.relative(app.dir, file))
  })

  for (const [name, { error }] of Object.entries(CASES)) {
    if (!error) continue
    it(`${name} fails to compile for the right reason`, () => {
      const messages = errors.get(path.join(app.dir, name)) ?? []
      assert.ok(
        messages.some((message) => error.test(message)),
        `expected ${error} in:\n${messages.join('\n') || '(no errors)'}`,
      )
    })
  }

  it('with TLS files in the app block, the generated code finds them from karafka.yml and still compiles', () => {
    const tls = tempProject({
      'karafka.yml': CODEGEN_MANIFEST.replace('  clientId: shop\n', '  clientId: shop\n  ssl: { ca: certs/ca.pem }\n'),
      'schemas/invoice.ts': INVOICE_SCHEMA,
      'certs/ca.pem': '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
    })
    try {
      runCodegen({ manifestPath: path.join(tls.dir, 'karafka.yml'), cwd: tls.dir, env: {} })
      const file = path.join(tls.dir, 'generated/karafka.ts')
      const text = readFileSync(file, 'utf8')
      assert.match(text, /root: fileURLToPath\(new URL\('\.\.\/', import\.meta\.url\)\),/)
      assert.match(text, /resolveAppConfig\(topology\.app, process\.env, topology\.root\)/)
      // TypeScript's own compiler host, which reads the package scope (an ES module, as karafka init makes projects).
      const program = ts.createProgram([file], {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        types: ['node'],
      })
      const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file)
      assert.deepEqual(
        diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
        [],
      )
    } finally {
      tls.remove()
    }
  })

  it('no any leaks into the user-facing types', () => {
    const project = new Project({ tsConfigFilePath: undefined, compilerOptions: { strict: true } })
    const source = project.addSourceFileAtPath(path.join(app.dir, 'generated/karafka.ts'))
    project.resolveSourceFileDependencies()
    const leaks = [...source.getExportedDeclarations()].flatMap(([name, declarations]) =>
      declarations.map((d) => [name, d.getType().getText(d)] as const).filter(([, text]) => /\bany\b/.test(text)),
    )
    assert.deepEqual(leaks, [])
  })

  it('a manifest change that breaks a handler is a compile error in that handler', () => {
    const handler = app.write(
      'handlers/users-name.ts',
      `${IMPORT}export default defineConsumer('example', 'users', (messages) => {
  for (const m of messages) if (m.event === 'user_created') console.log(m.payload.name?.toUpperCase())
})\n`,
    )
    assert.deepEqual(typecheck([handler]).get(handler), [])
    app.write('karafka.yml', CODEGEN_MANIFEST.replace('email: string, name?: string', 'email: string'))
    runCodegen({ manifestPath: path.join(app.dir, 'karafka.yml'), cwd: app.dir, env: {} })
    const after = typecheck([handler]).get(handler) ?? []
    assert.ok(
      after.some((m) => /Property 'name' does not exist/.test(m)),
      after.join('\n'),
    )
  })
})
