import { spawnSync } from 'node:child_process'
import { createPrivateKey } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { KarafkaError } from '../errors/index.js'

// The dev broker's certificates for its secured listeners (see secure.ts), made with the
// JDK's keytool; openssl turns the client's PKCS12 store into the PEM files app.ssl takes.

/** The client key encrypted with a passphrase, next to the plain client.key. */
export const ENCRYPTED_KEY = 'client-encrypted.key'

function keytool(dir: string, args: string[], input?: string): string {
  const run = spawnSync('keytool', args, { cwd: dir, encoding: 'utf8', ...(input === undefined ? {} : { input }) })
  if (run.error || run.status !== 0) {
    throw new KarafkaError('BROKER_START_FAILED', `keytool ${args[0]} failed: ${run.error?.message ?? run.stderr ?? run.stdout}`, {
      hint: 'keytool comes with the JDK that runs the broker; is its bin directory on the PATH?',
    })
  }
  return run.stdout
}

/** A CA, and certificates it signs for the broker (127.0.0.1, localhost) and for a client; PKCS12 stores. */
export function makeCertificates(dir: string, storePassword: string): void {
  const pass = ['-storepass', storePassword, '-keypass', storePassword, '-storetype', 'PKCS12']
  const keypair = (alias: string, store: string, cn: string, extra: string[] = []) =>
    keytool(dir, [
      '-genkeypair',
      '-alias',
      alias,
      '-keyalg',
      'RSA',
      '-keysize',
      '2048',
      '-validity',
      '825',
      '-dname',
      `CN=${cn}`,
      '-keystore',
      store,
      ...pass,
      ...extra,
    ])
  keypair('ca', 'ca.p12', 'karafka-ts dev CA', ['-ext', 'bc:c', '-validity', '3650'])
  writeFileSync(
    path.join(dir, 'ca.crt'),
    keytool(dir, ['-exportcert', '-rfc', '-alias', 'ca', '-keystore', 'ca.p12', '-storepass', storePassword]),
  )
  keytool(dir, ['-importcert', '-noprompt', '-alias', 'ca', '-file', 'ca.crt', '-keystore', 'truststore.p12', ...pass])
  for (const [name, cn, san] of [
    ['broker', 'localhost', ['-ext', 'SAN=dns:localhost,ip:127.0.0.1']],
    ['client', 'karafka-client', []],
  ] as const) {
    const store = `${name}.p12`
    keypair(name, store, cn)
    const request = keytool(dir, ['-certreq', '-alias', name, '-keystore', store, '-storepass', storePassword])
    const signed = keytool(
      dir,
      ['-gencert', '-rfc', '-alias', 'ca', '-keystore', 'ca.p12', '-storepass', storePassword, '-validity', '825', ...san],
      request,
    )
    writeFileSync(path.join(dir, `${name}.crt`), signed)
    keytool(dir, ['-importcert', '-noprompt', '-alias', 'ca', '-file', 'ca.crt', '-keystore', store, ...pass])
    keytool(dir, ['-importcert', '-alias', name, '-file', `${name}.crt`, '-keystore', store, ...pass])
  }
}

/**
 * The client's key as PEM files for `app.ssl.key`: plain, and encrypted with the passphrase
 * for `app.ssl.passphrase`. Both need openssl; without it neither is made.
 */
export function makeClientPems(dir: string, storePassword: string, passphrase: string): void {
  if (!existsSync(path.join(dir, 'client.key'))) extractClientPem(dir, storePassword)
  // Checked rather than only looked for: a passphrase file made anew leaves the old encrypted key unreadable.
  if (existsSync(path.join(dir, 'client.key')) && !decrypts(path.join(dir, ENCRYPTED_KEY), passphrase)) encryptClientKey(dir, passphrase)
}

/** The client's key as PEM, for `app.ssl.key` (keytool cannot write keys; openssl can read its PKCS12). */
function extractClientPem(dir: string, storePassword: string): void {
  const run = spawnSync('openssl', ['pkcs12', '-in', 'client.p12', '-nocerts', '-nodes', '-passin', `pass:${storePassword}`], {
    cwd: dir,
    encoding: 'utf8',
  })
  if (run.error || run.status !== 0) return
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n?/.exec(run.stdout)?.[0]
  if (key) writeFileSync(path.join(dir, 'client.key'), key, { mode: 0o600 })
}

/** The client key encrypted with the passphrase (PKCS#8 with AES-256-CBC, what a CA or a secrets store commonly hands out). */
function encryptClientKey(dir: string, passphrase: string): void {
  // The passphrase goes through the environment: an argument would show in the process list.
  const run = spawnSync(
    'openssl',
    ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', 'client.key', '-passout', 'env:KARAFKA_KEY_PASSPHRASE'],
    {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, KARAFKA_KEY_PASSPHRASE: passphrase },
    },
  )
  if (run.error || run.status !== 0) return
  const key = /-----BEGIN ENCRYPTED PRIVATE KEY-----[\s\S]+?-----END ENCRYPTED PRIVATE KEY-----\n?/.exec(run.stdout)?.[0]
  if (key) writeFileSync(path.join(dir, ENCRYPTED_KEY), key, { mode: 0o600 })
}

/** True when the file holds a key this passphrase decrypts. */
function decrypts(file: string, passphrase: string): boolean {
  if (!existsSync(file)) return false
  try {
    createPrivateKey({ key: readFileSync(file, 'utf8'), passphrase })
    return true
  } catch {
    return false
  }
}
