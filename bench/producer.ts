// Producer throughput: the typed responders (validate, derive the key, encode the envelope,
// send through the ordered sender) against bare kafkajs producer.send of the same records
// with the same batching: windows of WINDOW messages, one send per window, the same producer
// settings (idempotent, acks -1, one request in flight), both to fresh topics of 6 partitions.
import { randomBytes } from 'node:crypto'
import { Partitioners } from 'kafkajs'
import { createTestApp } from '../test/helpers/app.js'
import { uniqueName } from '../test/helpers/kafka.js'
import { benchKafka, median, rate, tickTopicYaml } from './data.js'

export interface ProducerFigure {
  messages: number
  window: number
  bareMsgPerSec: number
  respondersMsgPerSec: number
  ratio: number
  rounds: number
}

const WINDOW = 3_000

const payloadOf = (i: number, pad: string) => ({ id: `k${i % 1000}`, seq: i, pad })

/** `rounds` rounds of each writer in turn; each figure is the median of its rounds. */
export async function benchProducer(count: number, rounds = 3): Promise<ProducerFigure> {
  const typed = uniqueName('produce-typed')
  const bareTopic = uniqueName('produce-bare')
  const app = await createTestApp(
    'producer-bench',
    `app:\n  clientId: producer-bench\n  brokers: \${KAFKA_BROKERS}\ntopics:\n${tickTopicYaml(typed)}${tickTopicYaml(bareTopic, 'bare_tick')}`,
    {},
  )
  const pad = randomBytes(60).toString('hex')
  const producer = benchKafka().producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner })
  try {
    const responder = app.generated.responders[typed]
    await responder.tick(payloadOf(0, pad)) // connect and learn the partitions outside the clock
    await producer.connect()
    await producer.send({ topic: bareTopic, acks: -1, messages: [{ key: 'k0', value: 'warm-up' }] })
    const figures = { responders: [] as number[], bare: [] as number[] }
    for (let round = 0; round < rounds; round++) {
      let began = performance.now()
      for (let i = 0; i < count; i += WINDOW) {
        const calls: Promise<unknown>[] = []
        for (let n = i; n < Math.min(i + WINDOW, count); n++) calls.push(responder.tick(payloadOf(n, pad)))
        await Promise.all(calls)
      }
      figures.responders.push(rate(count, performance.now() - began))

      began = performance.now()
      for (let i = 0; i < count; i += WINDOW) {
        const messages = []
        for (let n = i; n < Math.min(i + WINDOW, count); n++) {
          const payload = payloadOf(n, pad)
          messages.push({ key: payload.id, value: JSON.stringify({ event_name: 'tick', payload }), headers: { event_name: 'tick' } })
        }
        await producer.send({ topic: bareTopic, acks: -1, messages })
      }
      figures.bare.push(rate(count, performance.now() - began))
    }
    const [respondersRate, bareRate] = [median(figures.responders), median(figures.bare)]
    return {
      messages: count,
      window: WINDOW,
      rounds,
      bareMsgPerSec: bareRate,
      respondersMsgPerSec: respondersRate,
      ratio: Number((respondersRate / bareRate).toFixed(2)),
    }
  } finally {
    await producer.disconnect()
    await app.remove()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { benchBroker } = await import('./broker.js')
  const broker = await benchBroker()
  console.log(JSON.stringify(await benchProducer(Number(process.argv[2] ?? 200_000)), null, 2))
  await broker.stop()
  process.exit(0)
}
