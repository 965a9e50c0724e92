import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import kafkajs from 'kafkajs'
import { mskIamTokenProvider } from '../../../src/kafka/msk-iam.js'
import { appSecrets, resolveSslPaths, tlsOptions } from '../../../src/kafka/security.js'
import { securityProblem } from '../../../src/retry/kafka-errors.js'

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n'

describe('TLS settings', () => {
  it('reads PEM files named relative to karafka.yml, keeps PEM text as it is, and verifies by default', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'tls-'))
    writeFileSync(path.join(root, 'ca.pem'), PEM)
    const ssl = resolveSslPaths({ ca: 'ca.pem', cert: PEM, key: KEY, rejectUnauthorized: true }, root)
    assert.deepEqual(ssl, { ca: path.join(root, 'ca.pem'), cert: PEM, key: KEY, rejectUnauthorized: true })
    assert.deepEqual(tlsOptions(ssl), { ca: PEM, cert: PEM, key: KEY, rejectUnauthorized: true })
    assert.equal(tlsOptions(true), true)
    assert.equal(tlsOptions(false), false)
  })

  it('a file that cannot be read is a clear error naming the field', () => {
    assert.throws(
      () => tlsOptions({ ca: '/nowhere/ca.pem', rejectUnauthorized: true }),
      (e: Error & { code?: string }) =>
        e.code === 'CONFIG_INVALID' && /app\.ssl\.ca: cannot read \/nowhere\/ca\.pem: ENOENT/.test(e.message),
    )
  })

  it('the password, the private key in any form and its passphrase are secrets; the CA is not', () => {
    assert.deepEqual(appSecrets({ sasl: { password: 'pw' }, ssl: { ca: PEM, key: KEY, passphrase: 'pp' } }), ['pw', KEY, 'pp'])
    const base64 = Buffer.from(KEY).toString('base64')
    assert.deepEqual(appSecrets({ ssl: { key: base64 } }), [base64], 'a key a variable held in another form')
    assert.throws(
      () => tlsOptions({ key: base64, cert: PEM, rejectUnauthorized: true }),
      (e: Error) => /app\.ssl\.key: cannot read its file: ENOENT/.test(e.message) && !e.message.includes(base64),
    )
    assert.deepEqual(appSecrets({ sasl: { password: 42 }, ssl: 'yes' }), [], 'an app block that failed the schema')
  })

  it('an encrypted key: taken with its passphrase; without it, or with a wrong one, a clear error at once that shows neither', () => {
    const passphrase = 'right-passphrase'
    const { privateKey } = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    })
    const ssl = { cert: PEM, key: privateKey, rejectUnauthorized: true }
    assert.deepEqual(tlsOptions({ ...ssl, passphrase }), { cert: PEM, key: privateKey, passphrase, rejectUnauthorized: true })
    // OpenSSL's reason depends on what the wrong key decrypts the key to: "bad decrypt" when the
    // padding check fails, as it does about 199 times in 200, another ("unsupported") when the
    // garbage happens to pass it. The key is new each run, so either may come.
    assert.throws(
      () => tlsOptions({ ...ssl, passphrase: 'wrong-passphrase' }),
      (e: Error & { code?: string }) =>
        e.code === 'CONFIG_INVALID' &&
        /^app\.ssl\.passphrase does not decrypt the private key of app\.ssl\.key \([a-z ]+\)$/.test(e.message) &&
        !e.message.includes('wrong-passphrase'),
    )
    assert.throws(() => tlsOptions(ssl), /app\.ssl\.key is encrypted, and app\.ssl\.passphrase is not set/)
  })
})

describe('Amazon MSK IAM tokens', () => {
  const aws = { AWS_ACCESS_KEY_ID: 'AKIAKARAFKATEST00001', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: undefined }
  const withEnv = async <T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> => {
    const before = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
    const set = (values: Record<string, string | undefined>) => {
      for (const [k, v] of Object.entries(values))
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
    }
    set(env)
    try {
      return await fn()
    } finally {
      set(before)
    }
  }

  it("signs with AWS's signer: a presigned kafka-cluster:Connect URL for the region, from the default credential chain", async () => {
    const { value } = await withEnv(aws, () => mskIamTokenProvider({ region: 'eu-west-1' })())
    const url = new URL(Buffer.from(value, 'base64url').toString('utf8'))
    assert.equal(url.host, 'kafka.eu-west-1.amazonaws.com')
    assert.equal(url.searchParams.get('Action'), 'kafka-cluster:Connect')
    assert.equal(url.searchParams.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256')
    assert.match(url.searchParams.get('X-Amz-Credential')!, /^AKIAKARAFKATEST00001\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/)
    assert.equal(url.searchParams.get('X-Amz-Expires'), '900')
    assert.match(url.searchParams.get('X-Amz-Signature')!, /^[0-9a-f]{64}$/)
  })

  it('takes the region from AWS_REGION when the manifest has none, and says what to set when neither does', async () => {
    const { value } = await withEnv({ ...aws, AWS_REGION: 'ap-south-1', AWS_DEFAULT_REGION: undefined }, () =>
      mskIamTokenProvider({ region: undefined })(),
    )
    assert.equal(new URL(Buffer.from(value, 'base64url').toString()).host, 'kafka.ap-south-1.amazonaws.com')
    await withEnv({ AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined }, () =>
      assert.rejects(mskIamTokenProvider({ region: undefined })(), /aws-msk-iam needs the cluster region/),
    )
  })

  it('reuses a token until a minute before it expires, then signs a new one; connections opening at once share one signing', async () => {
    let now = 1_000_000
    let signed = 0
    const provider = mskIamTokenProvider({
      region: 'us-east-1',
      now: () => now,
      sign: async (region) => ({ token: `${region}-${++signed}`, expiryTime: now + 900_000 }),
    })
    const first = await Promise.all([provider(), provider(), provider()])
    assert.deepEqual(
      first.map((t) => t.value),
      ['us-east-1-1', 'us-east-1-1', 'us-east-1-1'],
    )
    now += 839_000 // 61 s left
    assert.equal((await provider()).value, 'us-east-1-1')
    now += 2_000 // 59 s left
    assert.equal((await provider()).value, 'us-east-1-2')
    assert.equal(signed, 2)
  })
})

describe('connection problems that are the security settings', () => {
  const connection = (message: string, code?: string) => new kafkajs.KafkaJSConnectionError(`Connection error: ${message}`, { code })
  it('names an untrusted broker certificate, a refused client certificate, TLS against a plain port and refused credentials', () => {
    assert.match(
      securityProblem(connection('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'))!.hint,
      /app\.ssl\.ca/,
    )
    assert.match(securityProblem(connection('ssl3_read_bytes:sslv3 alert bad certificate'))!.what, /requires a client certificate/)
    assert.match(
      securityProblem(connection('Client network socket disconnected before secure TLS connection was established'))!.what,
      /does not speak TLS/,
    )
    // kafkajs's SASL refusal, as a cause (its typings do not declare the class's constructor).
    const refused = Object.assign(new Error('SASL SCRAM SHA512 authentication failed: invalid credentials'), {
      name: 'KafkaJSSASLAuthenticationError',
    })
    assert.match(securityProblem(new Error('Connection failed', { cause: refused }))!.what, /refused the credentials/)
    assert.equal(
      securityProblem(connection('connect ECONNREFUSED 127.0.0.1:9092', 'ECONNREFUSED')),
      undefined,
      'a broker that is away is not a security problem',
    )
  })
})
