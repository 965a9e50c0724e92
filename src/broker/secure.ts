import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { KarafkaError } from '../errors/index.js'
import { ENCRYPTED_KEY, makeCertificates, makeClientPems } from './certificates.js'
import { MSK_IAM_VALIDATOR_CLASS, MSK_IAM_VALIDATOR_SOURCE } from './msk-iam-validator.js'

/**
 * The secured listeners of the dev broker (`karafka broker start --secure`), next to its
 * plain one: SASL_SSL (PLAIN, SCRAM-SHA-256/512 and OAUTHBEARER) and SSL that requires a
 * client certificate (mutual TLS). Certificates come from the JDK's keytool: a CA, the
 * broker's certificate for 127.0.0.1 and localhost, and a client certificate, all kept in
 * `<home>/secure` and made once. The client key comes twice, plain and encrypted with a
 * passphrase, for the two forms `app.ssl.key` takes.
 */
export interface SecureSetup {
  dir: string
  saslPort: number
  mtlsPort: number
  /** The password of the PKCS12 stores (the broker's keystore and truststore). */
  storePassword: string
  /** The user of PLAIN and SCRAM, and its password. */
  username: string
  password: string
  /** The CA certificate (PEM) that signed the broker's and the client's certificates. */
  caFile: string
  /** The client certificate and key for mutual TLS (PEM; absent when openssl was not found to extract them). */
  clientCertFile: string | undefined
  clientKeyFile: string | undefined
  /** The same key encrypted (PKCS#8, AES-256-CBC) with `keyPassphrase`, for `app.ssl.key` with `app.ssl.passphrase` (absent without openssl). */
  clientEncryptedKeyFile: string | undefined
  /** The passphrase of the encrypted client key (absent in a home made before there was one). */
  keyPassphrase: string | undefined
  /** Where the OAUTHBEARER validator standing in for Amazon MSK's was compiled (absent without javac). */
  validatorClasses: string | undefined
}

export const SCRAM_USER = 'karafka'

/** Creates (once) the certificates, the user's password, the client key's passphrase and the OAUTHBEARER validator in `<home>/secure`. */
export function prepareSecure(home: string, port: number, classpath: string, onProgress: (text: string) => void): SecureSetup {
  const dir = path.join(home, 'secure')
  mkdirSync(dir, { recursive: true })
  const storePassword = keep(path.join(dir, 'store-password'), () => randomBytes(12).toString('hex'))
  const password = keep(path.join(dir, 'password'), () => randomBytes(12).toString('hex'))
  const keyPassphrase = keep(path.join(dir, 'key-passphrase'), () => randomBytes(12).toString('hex'))
  if (!existsSync(path.join(dir, 'truststore.p12'))) {
    onProgress('making the dev CA and certificates (first secured start)...')
    makeCertificates(dir, storePassword)
  }
  makeClientPems(dir, storePassword, keyPassphrase)
  const clientKey = path.join(dir, 'client.key')
  const encryptedKey = path.join(dir, ENCRYPTED_KEY)
  return {
    dir,
    saslPort: port + 1,
    mtlsPort: port + 2,
    storePassword,
    username: SCRAM_USER,
    password,
    caFile: path.join(dir, 'ca.crt'),
    clientCertFile: existsSync(clientKey) ? path.join(dir, 'client.crt') : undefined,
    clientKeyFile: existsSync(clientKey) ? clientKey : undefined,
    clientEncryptedKeyFile: existsSync(encryptedKey) ? encryptedKey : undefined,
    keyPassphrase,
    validatorClasses: compileValidator(dir, classpath, onProgress),
  }
}

/** The server.properties lines of the secured listeners. */
export function secureProperties(setup: SecureSetup): string[] {
  const { storePassword } = setup
  const jaas = (module: string, options = '') => `org.apache.kafka.common.security.${module} required${options};`
  const store = (kind: 'keystore' | 'truststore', file: string) => [
    `ssl.${kind}.location=${path.join(setup.dir, file)}`,
    `ssl.${kind}.type=PKCS12`,
    `ssl.${kind}.password=${storePassword}`,
  ]
  return [
    ...store('keystore', 'broker.p12'),
    `ssl.key.password=${storePassword}`,
    ...store('truststore', 'truststore.p12'),
    'ssl.endpoint.identification.algorithm=',
    'listener.name.ssl.ssl.client.auth=required',
    `sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512${setup.validatorClasses ? ',OAUTHBEARER' : ''}`,
    `listener.name.sasl_ssl.plain.sasl.jaas.config=${jaas('plain.PlainLoginModule', ` user_${setup.username}="${setup.password}"`)}`,
    `listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=${jaas('scram.ScramLoginModule')}`,
    `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${jaas('scram.ScramLoginModule')}`,
    ...(setup.validatorClasses
      ? [
          `listener.name.sasl_ssl.oauthbearer.sasl.jaas.config=${jaas('oauthbearer.OAuthBearerLoginModule', ' unsecuredLoginStringClaim_sub="broker"')}`,
          `listener.name.sasl_ssl.oauthbearer.sasl.server.callback.handler.class=${MSK_IAM_VALIDATOR_CLASS}`,
        ]
      : []),
  ]
}

const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const
const scramMarker = (dataDir: string) => path.join(dataDir, 'karafka-scram-user')

/** The storage tool's arguments that create the SCRAM user with the cluster (a fresh start). */
export function scramAtFormat(setup: SecureSetup): string[] {
  return SCRAM_MECHANISMS.flatMap((mechanism) => ['--add-scram', `${mechanism}=[name=${setup.username},password=${setup.password}]`])
}

/** True when the broker's data holds the user with this password (made at format, or by createScramUser). */
export function hasScramUser(dataDir: string, setup: SecureSetup): boolean {
  const marker = scramMarker(dataDir)
  return existsSync(marker) && readFileSync(marker, 'utf8') === setup.password
}

/** Notes that the broker's data holds the user with this password. */
export function noteScramUser(dataDir: string, setup: SecureSetup): void {
  writeFileSync(scramMarker(dataDir), setup.password, { mode: 0o600 })
}

/**
 * Creates the SCRAM credentials of the user in a broker formatted without them, through the
 * plain listener, with Kafka's own config tool (one mechanism per call: the tool refuses two).
 */
export function createScramUser(jvm: string[], port: number, setup: SecureSetup, dataDir: string): void {
  for (const mechanism of SCRAM_MECHANISMS) {
    const run = spawnSync(
      'java',
      [
        ...jvm,
        'kafka.admin.ConfigCommand',
        '--bootstrap-server',
        `127.0.0.1:${port}`,
        '--alter',
        '--entity-type',
        'users',
        '--entity-name',
        setup.username,
        '--add-config',
        `${mechanism}=[password=${setup.password}]`,
      ],
      { encoding: 'utf8' },
    )
    if (run.status !== 0) throw new KarafkaError('BROKER_START_FAILED', `creating the SCRAM user failed:\n${run.stdout}${run.stderr}`)
  }
  noteScramUser(dataDir, setup)
}

/** How to connect to the secured listeners, for `broker status` and `broker start`. */
export function describeSecure(setup: SecureSetup, root: string): string {
  const rel = (file: string) => path.relative(root, file) || file
  return [
    `  SASL_SSL  127.0.0.1:${setup.saslPort}  PLAIN, SCRAM-SHA-256, SCRAM-SHA-512: user ${setup.username}, password in ${rel(path.join(setup.dir, 'password'))}${setup.validatorClasses ? '; OAUTHBEARER (Amazon MSK IAM tokens, signature not checked)' : ''}`,
    `  SSL       127.0.0.1:${setup.mtlsPort}  mutual TLS: ${setup.clientCertFile ? `client certificate ${rel(setup.clientCertFile)}, key ${rel(setup.clientKeyFile!)}${setup.clientEncryptedKeyFile ? ` (or encrypted: ${rel(setup.clientEncryptedKeyFile)}, app.ssl.passphrase in ${rel(path.join(setup.dir, 'key-passphrase'))})` : ''}` : `client keystore ${rel(path.join(setup.dir, 'client.p12'))} (openssl was not found to extract PEM files)`}`,
    `  CA        ${rel(setup.caFile)} (app.ssl.ca)`,
  ].join('\n')
}

/** The secured setup of a broker home that has one, for `broker status`. */
export function readSecure(home: string, port: number): SecureSetup | undefined {
  const dir = path.join(home, 'secure')
  if (!existsSync(path.join(dir, 'enabled'))) return undefined
  const file = (name: string) => (existsSync(path.join(dir, name)) ? path.join(dir, name) : undefined)
  const keyPassphraseFile = file('key-passphrase')
  return {
    dir,
    saslPort: port + 1,
    mtlsPort: port + 2,
    username: SCRAM_USER,
    storePassword: readFileSync(path.join(dir, 'store-password'), 'utf8').trim(),
    password: readFileSync(path.join(dir, 'password'), 'utf8').trim(),
    caFile: path.join(dir, 'ca.crt'),
    clientCertFile: file('client.crt'),
    clientKeyFile: file('client.key'),
    clientEncryptedKeyFile: file(ENCRYPTED_KEY),
    keyPassphrase: keyPassphraseFile && readFileSync(keyPassphraseFile, 'utf8').trim(),
    validatorClasses: file('classes'),
  }
}

/** Marks the home as started secured (or not), for `broker status`. */
export function markSecure(home: string, secure: boolean): void {
  const marker = path.join(home, 'secure', 'enabled')
  if (secure) writeFileSync(marker, '')
  else rmSync(marker, { force: true })
}

function keep(file: string, make: () => string): string {
  if (!existsSync(file)) writeFileSync(file, make(), { mode: 0o600 })
  return readFileSync(file, 'utf8').trim() // an editor may have added a newline
}

/** Compiles the OAUTHBEARER validator against the broker's jars; undefined when there is no javac (then OAUTHBEARER is off). */
function compileValidator(dir: string, classpath: string, onProgress: (text: string) => void): string | undefined {
  const classes = path.join(dir, 'classes')
  const compiled = `${path.join(classes, ...MSK_IAM_VALIDATOR_CLASS.split('.'))}.class`
  const source = path.join(dir, 'src', 'MskIamTokenValidator.java')
  if (existsSync(compiled) && existsSync(source) && readFileSync(source, 'utf8') === MSK_IAM_VALIDATOR_SOURCE) return classes
  mkdirSync(path.dirname(source), { recursive: true })
  writeFileSync(source, MSK_IAM_VALIDATOR_SOURCE)
  onProgress('compiling the OAUTHBEARER token validator...')
  const run = spawnSync('javac', ['-cp', classpath, '-d', classes, source], { encoding: 'utf8' })
  if (run.error || run.status !== 0) {
    onProgress(`OAUTHBEARER is off: ${run.error ? 'javac was not found (it comes with a JDK)' : `javac failed: ${run.stderr}`}`)
    return undefined
  }
  return classes
}
