// What the benchmarks share: a kafkajs client on the bench broker, the pre-produced data
// (valid envelopes of about 200 bytes, keys k0..k999) and rates.
import { randomBytes } from 'node:crypto'
import { Kafka, logLevel } from 'kafkajs'

export const benchKafka = () => new Kafka({ clientId: 'bench', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING })

/** Messages per second, rounded. */
export const rate = (messages: number, ms: number) => Math.round((messages / ms) * 1000)

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0

/** Runs `runs` one after another, starting `round` places along, so that from round to round none always follows the same one. */
export async function inRotation(runs: readonly (() => Promise<unknown>)[], round: number): Promise<void> {
  for (let i = 0; i < runs.length; i++) await runs[(i + round) % runs.length]!()
}

/** The manifest lines of a bench topic: 6 partitions keyed by id, one event (`tick` unless named: names are unique in a manifest). */
export const tickTopicYaml = (topic: string, event = 'tick') =>
  `  ${topic}:\n    partitions: 6\n    key: id\n    events:\n      ${event}: { id: string, seq: integer, pad: string }\n`

/** Writes `count` tick envelopes to `topic` with a bare producer; returns the value size in bytes. */
export async function produceTicks(topic: string, count: number): Promise<number> {
  const producer = benchKafka().producer()
  await producer.connect()
  const pad = randomBytes(60).toString('hex')
  const value = (i: number) => JSON.stringify({ event_name: 'tick', payload: { id: `k${i % 1000}`, seq: i, pad } })
  const chunk = 5_000
  const inFlight: Promise<unknown>[] = []
  for (let i = 0; i < count; i += chunk) {
    const messages = Array.from({ length: Math.min(chunk, count - i) }, (_, j) => ({ key: `k${(i + j) % 1000}`, value: value(i + j) }))
    inFlight.push(producer.send({ topic, messages }))
    if (inFlight.length >= 4) await inFlight.shift()
  }
  await Promise.all(inFlight)
  await producer.disconnect()
  return Buffer.byteLength(value(0))
}
