import type { CodegenModel } from '../model/types.js'
import type { CodeBlockWriter } from './writer.js'
import { propertyName } from './zod.js'

/** `Routes` (group -> topic -> events) and `defineConsumer`, typed per route. */
export function emitConsumers(writer: CodeBlockWriter, model: CodegenModel): void {
  const groups = new Map<string, string[]>()
  for (const route of model.routes)
    groups.set(route.group, [...(groups.get(route.group) ?? []), `${propertyName(route.topic)}: ${route.eventType}`])
  writer.writeLine("/** Every consumer group and, for each topic it consumes, that topic's events. */")
  writer.write('export interface Routes').block(() => {
    for (const [group, topics] of groups) writer.writeLine(`${propertyName(group)}: { ${topics.join('; ')} }`)
  })
  writer.blankLine()
  writer.writeLine(
    "/** Defines the handler of a route: `fn` gets batches of that topic's typed messages. Export it as the default of the handler file. */",
  )
  writer.writeLine('export function defineConsumer<G extends keyof Routes, T extends keyof Routes[G] & string>(')
  writer.indent(() => writer.writeLine('group: G,').writeLine('topic: T,').writeLine('fn: ConsumerFn<Routes[G][T], Responders>,'))
  writer.write('): ConsumerDefinition<Routes[G][T], Responders>').block(() => {
    writer.writeLine('return createConsumerDefinition(group, topic, topology, fn)')
  })
}
