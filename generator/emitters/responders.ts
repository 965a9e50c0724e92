import type { CodegenModel } from '../model/types.js'
import type { CodeBlockWriter } from './writer.js'
import { propertyName } from './zod.js'

/** The typed responder interfaces and `responders`, `createResponders`, `closeResponders`. */
export function emitResponders(writer: CodeBlockWriter, model: CodegenModel): void {
  for (const topic of model.topics) {
    writer.writeLine(`/** Publishes the events of ${topic.name}${topic.key ? `, keyed by ${topic.key}` : ''}. */`)
    writer.write(`export interface ${topic.responderType}`).block(() => {
      for (const event of topic.events) {
        writer.writeLine(`/** Validates and publishes ${event.name}; resolves with its topic, partition and offset. */`)
        writer.writeLine(`${event.method}(payload: ${event.type}): Promise<Delivery>`)
      }
      writer.writeLine('/** Publishes a tombstone (the key with a null value): compaction deletes the key. */')
      writer.writeLine('tombstone(key: string | number): Promise<Delivery>')
    })
    writer.blankLine()
  }
  writer.writeLine('/** One responder per topic. */')
  writer.write('export interface Responders').block(() => {
    for (const topic of model.topics) writer.writeLine(`${propertyName(topic.name)}: ${topic.responderType}`)
  })
  writer.blankLine()
  const root = model.rootFromOutDir === undefined ? '' : ', process.env, topology.root'
  writer
    .writeLine(`const runtime = createProducerRuntime(() => resolveAppConfig(topology.app${root}), { topics: topology.topics })`)
    .blankLine()
  writer.writeLine('/** The typed responders on the default producer, built from app in the manifest; it connects on the first send. */')
  writer.writeLine('export const responders = createResponderSet(topology, runtime.sender) as unknown as Responders').blankLine()
  writer.writeLine('/** The same responders on another kafkajs producer or transaction, such as a transactional one. */')
  writer.write('export function createResponders(producer: BatchSender): Responders').block(() => {
    writer.writeLine('return createResponderSet(topology, runtime.senderFor(producer)) as unknown as Responders')
  })
  writer.blankLine()
  writer.writeLine('/** Sends what is queued, then disconnects the default producer. */')
  writer.write('export function closeResponders(): Promise<void>').block(() => {
    writer.writeLine('return runtime.close()')
  })
}
