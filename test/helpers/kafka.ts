import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { waitFor } from './app.js'

/** The brokers the test run gives (the test broker of scripts/test.ts, or KAFKA_BROKERS). */
export function testBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run integration tests through npm test, which starts a broker')
  return brokers.split(',')
}

/** A kafkajs client on the test brokers, quiet unless KAFKA_TEST_LOG is set. */
export function testKafka(clientId = 'karafka-test', brokers = testBrokers()): Kafka {
  return new Kafka({ clientId, brokers, logLevel: process.env.KAFKA_TEST_LOG ? logLevel.INFO : logLevel.NOTHING })
}

/** A topic or group name no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`
}

/** The first `count` records of `topic` (all partitions), read by a fresh group; fails after `timeoutMs`. */
export async function readRecords(
  topic: string,
  count: number,
  timeoutMs = 15_000,
): Promise<{ key: string | null; value: string | null; headers: Record<string, string> }[]> {
  const consumer = testKafka().consumer({ groupId: uniqueName('reader') })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const records: { key: string | null; value: string | null; headers: Record<string, string> }[] = []
  await consumer.run({
    eachMessage: async ({ message }) => {
      records.push({
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
        headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
      })
    },
  })
  try {
    await waitFor(`${count} records in ${topic}`, () => records.length >= count, timeoutMs)
  } finally {
    await consumer.disconnect()
  }
  return records
}

/** The committed offset of each partition of `topic` for `group` ('-1' when none). */
export async function committedOffsets(group: string, topic: string): Promise<Record<number, string>> {
  const admin = testKafka().admin()
  await admin.connect()
  try {
    const [result] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
    return Object.fromEntries((result?.partitions ?? []).map((p) => [p.partition, p.offset]))
  } finally {
    await admin.disconnect()
  }
}

/** The secured listeners of the test broker (scripts/test.ts starts it with --secure), or undefined when the run uses another broker. */
export function secureTestBroker():
  | {
      sasl: string
      mtls: string
      username: string
      password: string
      ca: string
      cert: string
      key: string
      encryptedKey: string
      keyPassphrase: string
      oauthbearer: boolean
    }
  | undefined {
  const home = process.env.KARAFKA_TEST_SECURE_HOME
  if (!home) return undefined
  const state = JSON.parse(readFileSync(path.join(home, 'state.json'), 'utf8')) as { port: number }
  const dir = path.join(home, 'secure')
  return {
    sasl: `127.0.0.1:${state.port + 1}`,
    mtls: `127.0.0.1:${state.port + 2}`,
    username: 'karafka',
    password: readFileSync(path.join(dir, 'password'), 'utf8'),
    ca: path.join(dir, 'ca.crt'),
    cert: path.join(dir, 'client.crt'),
    key: path.join(dir, 'client.key'),
    /** The same key encrypted with `keyPassphrase` (app.ssl.passphrase). */
    encryptedKey: path.join(dir, 'client-encrypted.key'),
    keyPassphrase: readFileSync(path.join(dir, 'key-passphrase'), 'utf8'),
    /** The MSK stand-in was compiled (it needs javac). */
    oauthbearer: existsSync(path.join(dir, 'classes')),
  }
}
