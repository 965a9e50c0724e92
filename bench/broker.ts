// The broker a benchmark runs against: KAFKA_BROKERS when set, else a fresh dev broker of its own.
import path from 'node:path'
import { freePort, startBroker, stopBroker } from '../src/broker/index.js'

export async function benchBroker(): Promise<{ brokers: string; stop(): Promise<void> }> {
  if (process.env.KAFKA_BROKERS) return { brokers: process.env.KAFKA_BROKERS, stop: async () => {} }
  const home = path.resolve('.karafka/bench-broker')
  await stopBroker(home)
  const broker = await startBroker({ home, port: await freePort(), fresh: true })
  process.env.KAFKA_BROKERS = `127.0.0.1:${broker.port}`
  return { brokers: process.env.KAFKA_BROKERS, stop: () => stopBroker(home).then(() => {}) }
}
