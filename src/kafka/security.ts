import { createPrivateKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { ConnectionOptions } from 'node:tls'
import type { SASLOptions } from 'kafkajs'
import { KarafkaError } from '../errors/index.js'
import type { AppConfig } from '../manifest/types.js'
import { mskIamTokenProvider } from './msk-iam.js'

type SslSetting = AppConfig['ssl']
type SslFiles = Exclude<SslSetting, boolean>

/** The PEM fields of `app.ssl`: each is a file (relative to karafka.yml) or the PEM text itself. */
export const PEM_FIELDS = ['ca', 'cert', 'key'] as const

/** True when a value of `app.ssl.ca/cert/key` is PEM text rather than a file path. */
export function isPem(value: string): boolean {
  return value.includes('-----BEGIN ')
}

/** `app.ssl` with its file paths made absolute against `root` (the directory of karafka.yml); PEM text is kept as it is. */
export function resolveSslPaths(ssl: SslSetting, root: string): SslSetting {
  if (typeof ssl === 'boolean') return ssl
  const resolved: SslFiles = { ...ssl }
  for (const field of PEM_FIELDS) {
    const value = ssl[field]
    if (value !== undefined && !isPem(value)) resolved[field] = path.resolve(root, value)
  }
  return resolved
}

/**
 * kafkajs's `ssl`: false, true (the system's trust store), or Node's TLS options with the
 * PEM files read. @throws KarafkaError CONFIG_INVALID naming the field whose file cannot be
 * read, or an encrypted key that `app.ssl.passphrase` does not decrypt.
 */
export function tlsOptions(ssl: SslSetting): boolean | ConnectionOptions {
  if (typeof ssl === 'boolean') return ssl
  const options: ConnectionOptions = { rejectUnauthorized: ssl.rejectUnauthorized }
  for (const field of PEM_FIELDS) {
    const value = ssl[field]
    if (value !== undefined) options[field] = isPem(value) ? value : readPem(field, field === 'key' ? undefined : value, value)
  }
  if (ssl.passphrase !== undefined) options.passphrase = ssl.passphrase
  if (typeof options.key === 'string') checkDecrypts(options.key, ssl.passphrase)
  return options
}

/**
 * Fails at once when an encrypted key cannot be decrypted. Left to the TLS connection, the
 * same mistake is OpenSSL's "bad decrypt" inside a connection error, which kafkajs retries
 * for seconds as if the broker were away, and which then reads as a broker that is not there.
 */
function checkDecrypts(key: string, passphrase: string | undefined): void {
  // PKCS#8 (BEGIN ENCRYPTED PRIVATE KEY) and the older PEM form (Proc-Type: 4,ENCRYPTED).
  if (!/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(key)) return
  if (passphrase === undefined)
    throw new KarafkaError('CONFIG_INVALID', 'app.ssl.key is encrypted, and app.ssl.passphrase is not set', {
      hint: 'set app.ssl.passphrase to the passphrase the key was encrypted with (for example "${KAFKA_KEY_PASSPHRASE}")',
    })
  try {
    createPrivateKey({ key, passphrase })
  } catch (error) {
    // OpenSSL's text only: it never holds the key or the passphrase.
    const reason = (error as Error).message.replace(/^error:[0-9A-F]+:[^:]*:+/, '')
    throw new KarafkaError('CONFIG_INVALID', `app.ssl.passphrase does not decrypt the private key of app.ssl.key (${reason})`, {
      hint: 'app.ssl.passphrase must be the passphrase the key was encrypted with; check the variable that sets it',
      cause: error,
    })
  }
}

/** Reads a PEM file; `shown` is how the error names it (the key's value is never shown: it may be the key itself). */
function readPem(field: string, shown: string | undefined, file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    const what = shown ?? 'its file'
    throw new KarafkaError(
      'CONFIG_INVALID',
      `app.ssl.${field}: cannot read ${what}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      {
        hint: 'give a PEM file (relative to karafka.yml) or the PEM text itself, for example through ${VAR}',
      },
    )
  }
}

/** kafkajs's `sasl` for `app.sasl`: a user and password, or OAUTHBEARER tokens from Amazon MSK's IAM signer. */
export function saslOptions(sasl: NonNullable<AppConfig['sasl']>): SASLOptions {
  if (sasl.mechanism === 'oauthbearer')
    return { mechanism: 'oauthbearer', oauthBearerProvider: mskIamTokenProvider({ region: sasl.region }) }
  return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions
}

/**
 * The values of an app block (checked or not) that must never be printed: the SASL password,
 * the TLS private key (text or path), and its passphrase.
 */
export function appSecrets(app: unknown): string[] {
  const field = (block: unknown, name: string): string[] => {
    const value = typeof block === 'object' && block !== null ? (block as Record<string, unknown>)[name] : undefined
    return typeof value === 'string' && value !== '' ? [value] : []
  }
  const { sasl, ssl } = (typeof app === 'object' && app !== null ? app : {}) as { sasl?: unknown; ssl?: unknown }
  // The key whatever its form: PEM text, a path, or anything a variable held (base64 of a PEM, say).
  return [...field(sasl, 'password'), ...field(ssl, 'key'), ...field(ssl, 'passphrase')]
}
