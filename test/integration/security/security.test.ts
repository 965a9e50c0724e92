// Secured clusters, through the CLI as a user runs it, against the test broker's secured
// listeners (scripts/test.ts starts it with --secure): SASL_SSL with the dev CA (PLAIN,
// SCRAM-SHA-256/512 and OAUTHBEARER with Amazon MSK IAM tokens) and mutual TLS, with the
// client key plain or encrypted. Each refusal must be a clear error, exit 1, with nothing
// created, and come in seconds: a refusal that looks like a broker that is away is retried
// by kafkajs until it gives up.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { waitFor } from '../../helpers/app.js'
import { BIN, karafka } from '../../helpers/cli.js'
import { readRecords, secureTestBroker, testKafka, uniqueName } from '../../helpers/kafka.js'
import { tempProject } from '../../helpers/project.js'

const secure = secureTestBroker()

/** A manifest with the given app security lines (indented under app:) and topics, the nth with the event `events[n]`. */
const manifest = (brokers: string, security: string, topics: string[], events = ['noted', 'forwarded']) => `app:
  clientId: security-test
  brokers: ${brokers}
${security}
topics:
${topics.map((topic, i) => `  ${topic}:\n    partitions: 2\n    key: id\n    events:\n      ${events[i]}: { id: string }`).join('\n')}
`

async function topicExists(topic: string): Promise<boolean> {
  const admin = testKafka().admin()
  await admin.connect()
  try {
    return (await admin.listTopics()).includes(topic)
  } finally {
    await admin.disconnect()
  }
}

describe('secured clusters (real broker, secured listeners)', { skip: secure ? false : 'the test broker was not started secured' }, () => {
  const s = secure!
  const project = tempProject({})
  after(() => project.remove())
  const env = { KAFKA_PASSWORD: s.password }
  /** `karafka topics migrate` of a manifest with these security settings, creating `topic`. */
  const migrate = async (brokers: string, security: string, more: NodeJS.ProcessEnv = {}) => {
    const topic = uniqueName('secured')
    const file = project.write(`${topic}.yml`, manifest(brokers, security, [topic]))
    const began = performance.now()
    const result = await karafka(['topics', 'migrate', '--manifest', file], {
      cwd: project.dir,
      env: { ...env, ...more },
      timeoutMs: 90_000,
    })
    return { ...result, topic, file, seconds: (performance.now() - began) / 1000 }
  }
  const scram = '  sasl: { mechanism: scram-sha-512, username: karafka, password: "${KAFKA_PASSWORD}" }'
  // The CA and client files as a user keeps them: next to karafka.yml, named relative to it.
  before(() => {
    for (const [name, file] of [
      ['certs/ca.pem', s.ca],
      ['certs/client.pem', s.cert],
      ['certs/client.key', s.key],
      ['certs/client-encrypted.key', s.encryptedKey],
    ] as const)
      project.write(name, readFileSync(file, 'utf8'))
  })

  it('broker status says how to reach the secured listeners, and never prints the password', async () => {
    // The project's .karafka/broker is the test broker's home, as if `karafka broker start --secure` had started it here.
    const home = path.dirname(path.dirname(s.ca))
    mkdirSync(path.join(project.dir, '.karafka'), { recursive: true })
    symlinkSync(home, path.join(project.dir, '.karafka', 'broker'))
    const status = await karafka(
      ['broker', 'status', '--manifest', project.write('status.yml', `app: { clientId: status, brokers: "${s.sasl}" }\ntopics: {}\n`)],
      {
        cwd: project.dir,
      },
    )
    assert.equal(status.code, 0, status.stderr)
    assert.match(status.stdout, /secured listeners:/)
    assert.match(
      status.stdout,
      new RegExp(
        `SASL_SSL +${s.sasl} +PLAIN, SCRAM-SHA-256, SCRAM-SHA-512: user karafka, password in \\.karafka/broker/secure/password; OAUTHBEARER`,
      ),
    )
    assert.match(
      status.stdout,
      new RegExp(
        `SSL +${s.mtls} +mutual TLS: client certificate \\.karafka/broker/secure/client\\.crt, key \\.karafka/broker/secure/client\\.key ` +
          '\\(or encrypted: \\.karafka/broker/secure/client-encrypted\\.key, app\\.ssl\\.passphrase in \\.karafka/broker/secure/key-passphrase\\)',
      ),
    )
    assert.match(status.stdout, /CA +\.karafka\/broker\/secure\/ca\.crt \(app\.ssl\.ca\)/)
    assert.ok(!status.stdout.includes(s.password))
    assert.ok(!status.stdout.includes(s.keyPassphrase))
  })

  it('TLS with the CA (a file relative to karafka.yml) and SCRAM-SHA-512: connects and creates the topic', async (t) => {
    const run = await migrate(
      s.sasl,
      '  ssl: { ca: certs/ca.pem }\n  sasl: { mechanism: scram-sha-512, username: karafka, password: "${KAFKA_PASSWORD}" }',
    )
    assert.equal(run.code, 0, run.stderr)
    assert.ok(await topicExists(run.topic))
    t.diagnostic(`topics migrate over SASL_SSL/SCRAM-SHA-512 in ${run.seconds.toFixed(1)} s`)
  })

  it('PLAIN and SCRAM-SHA-256 over TLS, the CA given as PEM text through ${VAR}', async () => {
    for (const mechanism of ['plain', 'scram-sha-256']) {
      const run = await migrate(
        s.sasl,
        `  ssl: { ca: "\${KAFKA_CA_PEM}" }\n  sasl: { mechanism: ${mechanism}, username: karafka, password: "\${KAFKA_PASSWORD}" }`,
        { KAFKA_CA_PEM: readFileSync(s.ca, 'utf8') },
      )
      assert.equal(run.code, 0, `${mechanism}: ${run.stderr}`)
      assert.ok(await topicExists(run.topic), mechanism)
    }
  })

  it('without the CA the connection is refused: the error names the certificate problem, exit 1, no topic', async (t) => {
    const run = await migrate(s.sasl, '  ssl: true\n  sasl: { mechanism: scram-sha-512, username: karafka, password: "${KAFKA_PASSWORD}" }')
    assert.equal(run.code, 1, run.stderr)
    assert.match(run.stderr, /the broker's TLS certificate is not trusted \(self-signed certificate in certificate chain\)/)
    assert.match(run.stderr, /hint: set app\.ssl\.ca/)
    assert.equal(await topicExists(run.topic), false, 'nothing half-done')
    t.diagnostic(`refused after ${run.seconds.toFixed(1)} s (kafkajs retries a connection error before giving up)`)
    assert.ok(run.seconds < 30, `the refusal took ${run.seconds.toFixed(1)} s`)
  })

  it('SCRAM-SHA-512 with the wrong password: an authentication error, not a timeout; exit 1, no topic', async (t) => {
    const run = await migrate(
      s.sasl,
      '  ssl: { ca: certs/ca.pem }\n  sasl: { mechanism: scram-sha-512, username: karafka, password: wrong-password }',
    )
    assert.equal(run.code, 1, run.stderr)
    assert.match(run.stderr, /the broker refused the credentials \(SASL SCRAM SHA512 authentication failed/)
    assert.match(run.stderr, /hint: check app\.sasl/)
    assert.equal(await topicExists(run.topic), false)
    t.diagnostic(`refused after ${run.seconds.toFixed(1)} s`)
    assert.ok(run.seconds < 5, `the refusal took ${run.seconds.toFixed(1)} s: an authentication error is not retried`)
  })

  it('mutual TLS: with the client certificate it connects; without it the broker refuses the handshake', async (t) => {
    const good = await migrate(s.mtls, '  ssl: { ca: certs/ca.pem, cert: certs/client.pem, key: certs/client.key }')
    assert.equal(good.code, 0, good.stderr)
    assert.ok(await topicExists(good.topic))
    const bad = await migrate(s.mtls, '  ssl: { ca: certs/ca.pem }')
    assert.equal(bad.code, 1, bad.stderr)
    assert.match(bad.stderr, /requires a client certificate it trusts \(mutual TLS\)/)
    assert.equal(await topicExists(bad.topic), false)
    t.diagnostic(`refused after ${bad.seconds.toFixed(1)} s (kafkajs retries a connection error before giving up)`)
    assert.ok(bad.seconds < 30, `the refusal took ${bad.seconds.toFixed(1)} s`)
  })

  it('mutual TLS with an encrypted client key: its passphrase through ${VAR} connects; a wrong one is a clear error at once, exit 1, no topic', async (t) => {
    const ssl =
      '  ssl: { ca: certs/ca.pem, cert: certs/client.pem, key: certs/client-encrypted.key, passphrase: "${KAFKA_KEY_PASSPHRASE}" }'
    const good = await migrate(s.mtls, ssl, { KAFKA_KEY_PASSPHRASE: s.keyPassphrase })
    assert.equal(good.code, 0, good.stderr)
    assert.ok(await topicExists(good.topic))
    assert.ok(!`${good.stdout}${good.stderr}`.includes(s.keyPassphrase), 'the passphrase is never printed')
    // The canary as the wrong passphrase: the CLI helper fails the test if any output holds it.
    const wrong = process.env.KARAFKA_CANARY_SECRET ?? 'wrong-passphrase'
    const bad = await migrate(s.mtls, ssl, { KAFKA_KEY_PASSPHRASE: wrong })
    assert.equal(bad.code, 1, bad.stderr)
    // OpenSSL's reason: "bad decrypt" about 199 times in 200, "unsupported" when the wrong key's garbage passes the padding check.
    assert.match(bad.stderr, /app\.ssl\.passphrase does not decrypt the private key of app\.ssl\.key \([a-z ]+\)/)
    assert.match(bad.stderr, /hint: app\.ssl\.passphrase must be the passphrase the key was encrypted with/)
    assert.ok(!bad.stderr.includes(wrong))
    assert.equal(await topicExists(bad.topic), false)
    t.diagnostic(`a wrong passphrase refused after ${bad.seconds.toFixed(1)} s`)
    assert.ok(bad.seconds < 5, `the refusal took ${bad.seconds.toFixed(1)} s`)
  })

  it('TLS without verifying the broker (rejectUnauthorized: false, no CA): connects over SASL_SSL, and karafka info warns', async () => {
    const run = await migrate(s.sasl, `  ssl: { rejectUnauthorized: false }\n${scram}`)
    assert.equal(run.code, 0, run.stderr)
    assert.ok(await topicExists(run.topic))
    const info = await karafka(['info', '--manifest', run.file], { cwd: project.dir, env })
    assert.equal(info.code, 0, info.stderr)
    assert.match(info.stdout, new RegExp(`brokers +${s.sasl} \\(tls, certificates NOT verified\\) \\(sasl scram-sha-512, user karafka\\)`))
  })

  it("karafka lag and topics list over SASL_SSL/SCRAM-SHA-512: the group's partitions with their offsets, and the topic", async () => {
    const [topic, group] = [uniqueName('secured-lag'), uniqueName('secured-lag-group')]
    project.write('handlers/noop.ts', 'export default async () => {}\n')
    const file = project.write(
      `${topic}.yml`,
      `${manifest(s.sasl, `  ssl: { ca: certs/ca.pem }\n${scram}`, [topic])}consumerGroups:\n  ${group}:\n    topics:\n      ${topic}: { handler: handlers/noop.ts }\n`,
    )
    const migrated = await karafka(['topics', 'migrate', '--manifest', file], { cwd: project.dir, env })
    assert.equal(migrated.code, 0, migrated.stderr)
    // Records and a commit through the plain listener: what lag reads is then known exactly.
    const producer = testKafka().producer()
    await producer.connect()
    try {
      await producer.send({ topic, messages: [0, 0, 0, 1].map((partition, i) => ({ partition, value: `record ${i}` })) })
    } finally {
      await producer.disconnect()
    }
    const admin = testKafka().admin()
    await admin.connect()
    try {
      await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '2' }] })
    } finally {
      await admin.disconnect()
    }
    const lag = await karafka(['lag', '--manifest', file], { cwd: project.dir, env })
    assert.equal(lag.code, 0, lag.stderr)
    assert.match(lag.stdout, /^group +topic +partition +committed +end +lag$/m)
    assert.match(lag.stdout, new RegExp(`^${group} +${topic} +0 +2 +3 +1$`, 'm'))
    assert.match(lag.stdout, new RegExp(`^${group} +${topic} +1 +\\(none\\) +1 +1$`, 'm'))
    const list = await karafka(['topics', 'list', '--manifest', file], { cwd: project.dir, env })
    assert.equal(list.code, 0, list.stderr)
    assert.match(list.stdout, new RegExp(`^${topic} +2 +1 +yes`, 'm'))
  })

  it("OAUTHBEARER with Amazon MSK IAM tokens from AWS's signer: accepted by the MSK stand-in; a token that is not one is refused", async () => {
    // Credentials of the default chain (here the environment); the stand-in checks the token's form, scope and time, not its signature.
    assert.ok(s.oauthbearer, 'the secured test broker has no OAUTHBEARER listener: javac (a JDK) was not found when it started')
    const aws = { AWS_ACCESS_KEY_ID: 'AKIAKARAFKATEST00001', AWS_SECRET_ACCESS_KEY: 'not-a-real-secret-key', AWS_REGION: 'eu-west-1' }
    const topic = uniqueName('msk')
    const file = project.write(
      `${topic}.yml`,
      manifest(s.sasl, '  ssl: { ca: certs/ca.pem }\n  sasl: { mechanism: oauthbearer, provider: aws-msk-iam }', [topic]),
    )
    const run = await karafka(['topics', 'migrate', '--manifest', file], { cwd: project.dir, env: aws, timeoutMs: 90_000 })
    assert.equal(run.code, 0, run.stderr)
    assert.ok(await topicExists(topic))
    // The same listener refuses a token that is not an MSK IAM token: the stand-in checks, it does not wave through.
    const { Kafka, logLevel } = await import('kafkajs')
    const forged = new Kafka({
      clientId: 'forged',
      brokers: [s.sasl],
      ssl: { ca: readFileSync(s.ca, 'utf8') },
      sasl: {
        mechanism: 'oauthbearer',
        oauthBearerProvider: async () => ({ value: Buffer.from('https://example.com/?Action=x').toString('base64url') }),
      },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).admin()
    try {
      // kafkajs does not read the broker's OAUTHBEARER error answer: the refusal shows as a connection the broker closed.
      await forged.connect()
      await assert.rejects(forged.listTopics())
    } finally {
      await forged.disconnect()
    }
  })

  it('the whole path over SASL_SSL: produce, server, handler, its responders, commit', async () => {
    const [source, sink, group] = [uniqueName('secured-in'), uniqueName('secured-out'), uniqueName('secured-group')]
    const security = '  ssl: { ca: certs/ca.pem }\n  sasl: { mechanism: scram-sha-512, username: karafka, password: "${KAFKA_PASSWORD}" }'
    project.write(
      'karafka.yml',
      `${manifest(s.sasl, security, [source, sink])}consumerGroups:\n  ${group}:\n    topics:\n      ${source}: { handler: handlers/forward.ts }\n`,
    )
    // The handler publishes through the generated default responders: the app's own producer, which finds certs/ from generated/.
    project.write(
      'handlers/forward.ts',
      `import { defineConsumer, responders } from '../generated/karafka.js'
export default defineConsumer('${group}', '${source}', async (messages) => {
  for (const m of messages) if (m.event === 'noted') await responders['${sink}'].forwarded({ id: m.payload.id + '-forwarded' })
})
`,
    )
    const manifestArgs = ['--manifest', path.join(project.dir, 'karafka.yml')]
    for (const args of [['codegen'], ['topics', 'migrate']]) {
      const run = await karafka([...args, ...manifestArgs], { cwd: project.dir, env })
      assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`)
    }
    assert.ok(existsSync(path.join(project.dir, 'generated', 'karafka.ts')))
    for (const id of ['a', 'b', 'c']) {
      const sent = await karafka(['produce', source, 'noted', JSON.stringify({ id }), ...manifestArgs], { cwd: project.dir, env })
      assert.equal(sent.code, 0, sent.stderr)
    }
    const server = spawn(process.execPath, [BIN, 'server', ...manifestArgs], {
      cwd: project.dir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    server.stdout.on('data', (chunk: Buffer) => (output += chunk))
    server.stderr.on('data', (chunk: Buffer) => (output += chunk))
    try {
      const forwarded = await readRecords(sink, 3, 60_000)
      assert.deepEqual(forwarded.map((r) => JSON.parse(r.value!).payload.id).sort(), ['a-forwarded', 'b-forwarded', 'c-forwarded'])
      const admin = testKafka().admin()
      await admin.connect()
      try {
        await waitFor('the commits', async () => {
          const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [source] })
          return offsets!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0) === 3
        })
      } finally {
        await admin.disconnect()
      }
    } finally {
      server.kill('SIGTERM')
      await new Promise((resolve) => server.once('close', resolve))
    }
    assert.ok(!output.includes(s.password), 'the password is never printed')
  })
})
