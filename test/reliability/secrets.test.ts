// Secrets: a canary secret, given as a SASL password (from ${VAR} and written literally) and
// as ${VAR}s whose names contain PASSWORD, SECRET or TOKEN, flows through every command that
// prints: info (text and JSON), manifest errors that point at the fields holding it, codegen
// output, and the server's and topics' logs and errors against a broker that refuses SASL.
// It must never appear. (npm test also scans all of the suite's output for the canary.)
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { karafka } from '../helpers/cli.js'
import { testBrokers } from '../helpers/kafka.js'
import { tempProject } from '../helpers/project.js'

const CANARY = process.env.KARAFKA_CANARY_SECRET ?? `canary-${randomBytes(8).toString('hex')}`
const LITERAL = `literal-${CANARY}`

const env = {
  KAFKA_SASL_PASSWORD: CANARY,
  API_TOKEN: `${CANARY}-token`,
  SIGNING_SECRET: `${CANARY}-secret`,
  HANDLER_SECRET: `../${CANARY}.ts`,
  // A private key as PEM text, from a variable whose name does not say it is secret: the key is one anyway.
  CLIENT_KEY_PEM: `-----BEGIN PRIVATE KEY-----\n${CANARY}\n-----END PRIVATE KEY-----\n`,
  PARTITIONS_PASSWORD: `${CANARY}-partitions`,
  KARAFKA_LOG_LEVEL: 'debug',
}

const manifest = (sasl: string, extra = '') => `app:
  clientId: secrets-test
  brokers: ${testBrokers().join(',')}
  sasl: ${sasl}
lambda:
  region: us-east-1
  environment: { API_KEY: "\${API_TOKEN}", SIGNING: "\${SIGNING_SECRET}" }
topics:
  secrets-test:
    key: id
    events:
      noted: { id: string }
consumerGroups:
  secrets:
    topics:
      secrets-test: { handler: handlers/noted.ts }
${extra}`

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name)
    return statSync(file).isDirectory() ? allFiles(file) : [file]
  })
}

describe('secrets never appear in output', () => {
  const project = tempProject({})
  after(() => project.remove())
  const outputs: { what: string; text: string }[] = []
  const run = async (what: string, args: string[], timeoutMs?: number) => {
    const result = await karafka([...args, '--manifest', path.join(project.dir, 'karafka.yml')], { cwd: project.dir, env, timeoutMs })
    outputs.push({ what, text: result.stdout + result.stderr })
    return result
  }
  const assertClean = () => {
    for (const { what, text } of outputs) {
      assert.ok(!text.includes(CANARY), `${what} printed the canary:\n${text}`)
      assert.ok(!text.includes(CANARY.slice(7)), `${what} printed part of the canary:\n${text}`)
    }
  }

  it('info, text and JSON, shows the settings without the secrets', async () => {
    project.write('karafka.yml', manifest('{ mechanism: plain, username: app, password: "${KAFKA_SASL_PASSWORD}" }'))
    const text = await run('info', ['info'])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /secrets-test/)
    const json = await run('info --json', ['info', '--json'])
    assert.equal(json.code, 0, json.stderr)
    assert.match(json.stdout, /\[redacted\]/, 'the secret fields are there, redacted')
    assertClean()
  })

  it('a literal SASL password is as secret as one from the environment', async () => {
    project.write('karafka.yml', manifest(`{ mechanism: plain, username: app, password: "${LITERAL}" }`))
    const result = await run('info (literal password)', ['info', '--json'])
    assert.equal(result.code, 0, result.stderr)
    assertClean()
  })

  it('manifest errors at the fields holding secrets do not quote them', async () => {
    project.write(
      'karafka.yml',
      manifest(
        '{ mechanism: "${KAFKA_SASL_PASSWORD}", username: app, password: "${KAFKA_SASL_PASSWORD}" }',
        `  more:
    topics:
      secrets-test: { handler: "\${HANDLER_SECRET}" }
`,
      ).replace('    key: id', '    partitions: "${PARTITIONS_PASSWORD}"\n    key: id'),
    )
    const result = await run('codegen (bad manifest)', ['codegen'])
    assert.equal(result.code, 2, result.stdout + result.stderr)
    assert.match(result.stderr, /karafka\.yml:\d+:\d+ app\.sasl\.mechanism/)
    assert.match(result.stderr, /consumerGroups\.more\.topics\.secrets-test\.handler/)
    assertClean()
  })

  it('codegen keeps secrets out of what it prints and what it writes', async () => {
    project.write('karafka.yml', manifest('{ mechanism: plain, username: app, password: "${KAFKA_SASL_PASSWORD}" }'))
    const result = await run('codegen', ['codegen'])
    assert.equal(result.code, 0, result.stderr)
    for (const file of allFiles(path.join(project.dir, 'generated')))
      assert.ok(!readFileSync(file, 'utf8').includes(CANARY), `${file} holds the canary`)
    assertClean()
  })

  it('a TLS private key given as text and its passphrase stay out of info, errors and a failed connection', async () => {
    const ssl = `{ key: "\${CLIENT_KEY_PEM}", cert: "\${CLIENT_KEY_PEM}", passphrase: "${LITERAL}" }`
    project.write(
      'karafka.yml',
      manifest('{ mechanism: plain, username: app, password: "${KAFKA_SASL_PASSWORD}" }').replace('  sasl:', `  ssl: ${ssl}\n  sasl:`),
    )
    for (const args of [['info'], ['info', '--json']]) {
      const result = await run(args.join(' '), args)
      assert.equal(result.code, 0, result.stderr)
    }
    assert.match(outputs.at(-1)!.text, /\[redacted\]/)
    const plan = await run('topics plan (a key that is no key)', ['topics', 'plan'], 45_000)
    assert.equal(plan.code, 1, 'the key cannot be used')
    const broken = `{ key: "\${CLIENT_KEY_PEM}", passphrase: "${LITERAL}", rejectUnauthorized: "${LITERAL}" }`
    project.write(
      'karafka.yml',
      manifest('{ mechanism: plain, username: app, password: "${KAFKA_SASL_PASSWORD}" }').replace('  sasl:', `  ssl: ${broken}\n  sasl:`),
    )
    const invalid = await run('info (invalid ssl)', ['info'])
    assert.equal(invalid.code, 2)
    assert.match(invalid.stderr, /app\.ssl\.rejectUnauthorized/)
    assertClean()
  })

  it('the server and topics commands against a broker that refuses SASL log and fail without the secret', async () => {
    project.write('karafka.yml', manifest('{ mechanism: plain, username: app, password: "${KAFKA_SASL_PASSWORD}" }'))
    const server = await run('server', ['server'], 45_000)
    assert.notEqual(server.code, 0, 'the server cannot authenticate')
    const plan = await run('topics plan', ['topics', 'plan'], 45_000)
    assert.notEqual(plan.code, 0)
    assertClean()
  })
})
