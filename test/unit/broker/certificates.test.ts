import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createPrivateKey } from 'node:crypto'
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { it } from 'node:test'
import { ENCRYPTED_KEY, makeClientPems } from '../../../src/broker/certificates.js'

const hasOpenssl = !spawnSync('openssl', ['version']).error

/** A client.p12 as keytool leaves it (made with openssl here: keytool's JVM starts far slower). */
function clientStore(storePassword: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'certificates-'))
  const run = (args: string[]) => assert.equal(spawnSync('openssl', args, { cwd: dir }).status, 0, `openssl ${args[0]}`)
  run([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    '/CN=client',
    '-keyout',
    'k.pem',
    '-out',
    'c.pem',
  ])
  run(['pkcs12', '-export', '-inkey', 'k.pem', '-in', 'c.pem', '-passout', `pass:${storePassword}`, '-out', 'client.p12'])
  return dir
}

it('the client key comes plain and encrypted with the passphrase, readable only by its owner; a new passphrase re-encrypts it', {
  skip: hasOpenssl ? false : 'openssl was not found',
}, () => {
  const dir = clientStore('store-password')
  makeClientPems(dir, 'store-password', 'first-passphrase')
  const plain = readFileSync(path.join(dir, 'client.key'), 'utf8')
  const encrypted = readFileSync(path.join(dir, ENCRYPTED_KEY), 'utf8')
  assert.match(plain, /^-----BEGIN PRIVATE KEY-----/)
  assert.match(encrypted, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/)
  assert.equal(statSync(path.join(dir, ENCRYPTED_KEY)).mode & 0o777, 0o600)
  const decrypted = createPrivateKey({ key: encrypted, passphrase: 'first-passphrase' })
  assert.deepEqual(decrypted.export({ type: 'pkcs8', format: 'pem' }), plain, 'the same key')
  // Refused: OpenSSL says "bad decrypt" about 199 times in 200 ("unsupported" when the wrong key's garbage passes the padding check).
  assert.throws(() => createPrivateKey({ key: encrypted, passphrase: 'another' }), /bad decrypt|unsupported/)

  makeClientPems(dir, 'store-password', 'first-passphrase')
  assert.equal(readFileSync(path.join(dir, ENCRYPTED_KEY), 'utf8'), encrypted, 'made once')
  makeClientPems(dir, 'store-password', 'second-passphrase')
  createPrivateKey({ key: readFileSync(path.join(dir, ENCRYPTED_KEY), 'utf8'), passphrase: 'second-passphrase' })
})
