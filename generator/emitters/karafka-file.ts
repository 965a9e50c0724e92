import type { CodegenModel } from '../model/types.js'
import { banner } from './banner.js'
import { emitConsumers } from './consumers.js'
import { emitEvents } from './events.js'
import { emitResponders } from './responders.js'
import { createWriter, type EmittedFile } from './writer.js'

const RUNTIME_IMPORTS = [
  'z',
  'createConsumerDefinition',
  'createProducerRuntime',
  'createResponderSet',
  'resolveAppConfig',
  'type BatchSender',
  'type ConsumerDefinition',
  'type ConsumerFn',
  'type Delivery',
  'type Message',
  'type PartitionKeyType',
  'type Topology',
]

/** `karafka.ts`: events, responders and consumers, from one writer. */
export function emitKarafkaFile(model: CodegenModel): EmittedFile {
  const writer = createWriter()
  writer.writeLine(banner(model.source))
  if (model.rootFromOutDir !== undefined) writer.writeLine(`import { fileURLToPath } from 'node:url'`)
  // The compiled payload checks, when some event is declared by its fields.
  const checks = model.topics.some((topic) => topic.events.some((event) => event.spec.kind === 'fields'))
  writer.writeLine(`import { ${[...RUNTIME_IMPORTS, ...(checks ? ['payloadChecks as is'] : [])].join(', ')} } from 'karafka-ts'`)
  for (const event of model.topics.flatMap((topic) => topic.events)) {
    if (event.ref) writer.writeLine(`import { ${event.ref.exportName} as ${event.ref.local} } from '${event.ref.specifier}'`)
  }
  writer.blankLine()
  emitEvents(writer, model)
  writer.blankLine()
  emitResponders(writer, model)
  writer.blankLine()
  emitConsumers(writer, model)
  writer.newLineIfLastNot()
  return { path: `${model.outDir}/karafka.ts`, content: writer.toString() }
}
