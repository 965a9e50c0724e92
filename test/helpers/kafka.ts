import { randomUUID } from 'node:crypto'
import { Kafka, logLevel } from 'kafkajs'

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
