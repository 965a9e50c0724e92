import { randomUUID } from 'node:crypto'
import { Kafka, logLevel } from 'kafkajs'

/** The brokers the test run gives (the test broker of scripts/test.ts, or KAFKA_BROKERS). */
export function testBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run integration tests through npm test, which starts a broker')
  return brokers.split(',')
}

/** A kafkajs client on the test brokers, quiet unless KAFKA_TEST_LOG is set. */
export function testKafka(clientId = 'karafka-test'): Kafka {
  return new Kafka({ clientId, brokers: testBrokers(), logLevel: process.env.KAFKA_TEST_LOG ? logLevel.INFO : logLevel.NOTHING })
}

/** A topic or group name no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`
}
