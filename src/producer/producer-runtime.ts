import type { Admin, Producer } from 'kafkajs'
import type { Monitor } from '../instrumentation/monitor.js'
import { createKafka } from '../kafka/client.js'
import { Partitioners } from '../kafka/kafkajs.js'
import type { AppConfig } from '../manifest/types.js'
import type { PartitionerName } from './partitioners.js'
import { type BatchSender, OrderedSender } from './sender.js'

/** A lazily connected, idempotent producer with its ordered sender. */
export interface ProducerRuntime {
  sender: OrderedSender
  /** An ordered sender on another producer (e.g. a transactional one), sharing this metadata client. */
  senderFor(producer: BatchSender): OrderedSender
  /** The partitioner of a topic: its own, or app.partitioner. */
  partitionerOf(topic: string): PartitionerName
  /** Sends what is queued, then disconnects. Safe to call when nothing ever connected. */
  close(): Promise<void>
}

export interface ProducerRuntimeOptions {
  /** Where kafkajs's log lines go. */
  monitor?: Monitor
  /** Topics with a partitioner of their own (the manifest's, or the generated topology's); the others use app.partitioner. */
  topics?: Record<string, { partitioner?: PartitionerName }>
}

/**
 * Creates the producer runtime for `app`; nothing connects until the first send. With a
 * monitor, kafkajs's log lines go to it.
 * `app` is a function so that `${VAR}`s are resolved then, not at import time.
 */
export function createProducerRuntime(app: () => AppConfig, { monitor, topics = {} }: ProducerRuntimeOptions = {}): ProducerRuntime {
  let producer: Promise<Producer> | undefined
  let admin: Promise<Admin> | undefined
  const kafka = memo(() => createKafka(app(), '-producer', monitor))
  const getAdmin = () =>
    (admin ??= (async () => {
      const client = kafka().admin()
      await client.connect()
      return client
    })())
  const getProducer = () =>
    (producer ??= (async () => {
      const client = kafka().producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner })
      await client.connect()
      return client
    })())
  const partitionerOf = (topic: string) => topics[topic]?.partitioner ?? app().partitioner ?? 'murmur2'
  const senders: OrderedSender[] = []
  const track = (sender: OrderedSender) => {
    senders.push(sender)
    return sender
  }
  return {
    sender: track(new OrderedSender(getProducer, getAdmin, partitionerOf)),
    senderFor: (other) => track(new OrderedSender(async () => other, getAdmin, partitionerOf)),
    partitionerOf,
    async close() {
      await Promise.all(senders.map((sender) => sender.flush()))
      const [p, a] = [producer, admin]
      producer = admin = undefined
      await Promise.all([p?.then((c) => c.disconnect()), a?.then((c) => c.disconnect())].map((done) => done?.catch(() => {})))
    },
  }
}

function memo<T>(make: () => T): () => T {
  let value: { v: T } | undefined
  return () => {
    value ??= { v: make() }
    return value.v
  }
}
