import { existsSync } from 'node:fs'
import { importSpecifier } from '../model/specifier.js'
import type { CodegenModel } from '../model/types.js'
import { createWriter, type EmittedFile } from './writer.js'
import { quote } from './zod.js'

/** A handler stub for each route whose handler file does not exist yet; existing files are never touched. */
export function emitHandlerStubs(model: CodegenModel): EmittedFile[] {
  const karafkaFile = `${model.outDir}/karafka.ts`
  const seen = new Set<string>()
  return model.routes.flatMap((route) => {
    if (existsSync(route.handlerFile) || seen.has(route.handlerFile)) return []
    seen.add(route.handlerFile)
    const writer = createWriter()
    writer.writeLine(`import { defineConsumer } from '${importSpecifier(route.handlerFile, karafkaFile)}'`).blankLine()
    writer
      .write(`export default defineConsumer(${quote(route.group)}, ${quote(route.topic)}, async (messages, ctx) => `)
      .inlineBlock(() => {
        writer.write('for (const message of messages)').block(() => {
          writer.writeLine('ctx.logger.info(`New [${message.event}] event: ${JSON.stringify(message.payload)}`)')
        })
      })
    writer.write(')').newLineIfLastNot()
    return [{ path: route.handlerFile, content: writer.toString() }]
  })
}
