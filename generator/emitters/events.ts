import type { CodegenModel } from '../model/types.js'
import { objectCheck } from './checks.js'
import type { CodeBlockWriter } from './writer.js'
import { propertyName, quote, writeZodObject } from './zod.js'

/** The name of an event's compiled payload check (lower camel case: it never meets a generated type's name). */
const checkName = (type: string) => `check${type}`

/** Zod schemas and payload types of every event, the per-topic unions, `schemas` and `topology`. */
export function emitEvents(writer: CodeBlockWriter, model: CodegenModel): void {
  for (const topic of model.topics) {
    writer.writeLine(`// ${topic.name}`).blankLine()
    for (const event of topic.events) {
      writer.writeLine(`/** The payload of ${event.name} on ${topic.name}. */`)
      writer.write(`export const ${event.schema} = `)
      if (event.spec.kind === 'fields') writeZodObject(writer, event.spec.fields)
      else writer.write(event.ref!.local)
      writer.newLine()
      writer.writeLine(`export type ${event.type} = z.infer<typeof ${event.schema}>`)
      if (event.spec.kind === 'fields') {
        const { fields } = event.spec
        writer.writeLine(
          `/** True when a ${event.name} payload from JSON is valid as it stands; the consumer then skips ${event.schema}, which decides the rest. */`,
        )
        writer.writeLine(`const ${checkName(event.type)} = (payload: unknown): boolean => {`)
        writer.indent(() => {
          writer.writeLine('const v = payload as any')
          writer.writeLine(`return ${objectCheck(fields, 'v')}`)
        })
        writer.writeLine('}')
      }
      if (event.ref && topic.key) {
        const access = topic.key
          .split('.')
          .map((segment) => `[${quote(segment)}]`)
          .join('')
        writer.writeLine(`/** Fails to compile unless ${event.ref.exportName} has the partition key ${topic.key} as a string or number. */`)
        writer.writeLine(`export type ${event.type}PartitionKey = PartitionKeyType<${event.type}${access}>`)
      }
      writer.blankLine()
    }
    writer.writeLine(`/** The events of ${topic.name}, discriminated on \`event\`. */`)
    writer.write(`export type ${topic.eventType} =`)
    if (topic.events.length === 0) writer.write(' never')
    for (const event of topic.events) writer.newLine().write(`  | { event: ${quote(event.name)}; payload: ${event.type} }`)
    writer.newLine()
    writer.writeLine(`export type ${topic.messageType} = Message<${topic.eventType}>`).blankLine()
  }

  writer.writeLine('/** The zod schema of every event, by topic and event name. */')
  writer.write('export const schemas = ').inlineBlock(() => {
    for (const topic of model.topics) {
      writer.writeLine(`${propertyName(topic.name)}: { ${topic.events.map((e) => `${propertyName(e.name)}: ${e.schema}`).join(', ')} },`)
    }
  })
  writer.write(' as const').newLine().blankLine()

  writer.writeLine(
    '/** What the runtime needs: the fingerprint of the manifest this came from, the app settings as written in it, and every topic. */',
  )
  writer.write('export const topology = ').inlineBlock(() => {
    writer.writeLine(`fingerprint: ${quote(model.fingerprint)},`)
    writer.writeLine(`app: ${JSON.stringify(model.appTemplate ?? {})},`)
    // TLS files named relative to karafka.yml are found from its directory, wherever the app runs.
    if (model.rootFromOutDir !== undefined)
      writer.writeLine(`root: fileURLToPath(new URL(${quote(model.rootFromOutDir)}, import.meta.url)),`)
    writer.write('topics: ').inlineBlock(() => {
      for (const topic of model.topics) {
        writer.write(`${propertyName(topic.name)}: `).inlineBlock(() => {
          writer.writeLine(`key: ${topic.key === undefined ? 'undefined' : quote(topic.key)},`)
          writer.writeLine(`partitioner: ${quote(topic.partitioner)},`)
          writer.write('events: ').inlineBlock(() => {
            for (const event of topic.events)
              writer.writeLine(
                `${propertyName(event.name)}: { schema: ${event.schema}, method: ${quote(event.method)}${event.spec.kind === 'fields' ? `, check: ${checkName(event.type)}` : ''} },`,
              )
          })
          writer.write(',').newLine()
        })
        writer.write(',').newLine()
      }
    })
    writer.write(',').newLine()
  })
  writer.write(' satisfies Topology').newLine()
}
