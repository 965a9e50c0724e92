import { importSpecifier } from '../model/specifier.js'
import type { CodegenModel } from '../model/types.js'
import { banner } from './banner.js'
import { createWriter, type EmittedFile } from './writer.js'

/** `lambda/<group>.<topic>.ts` for each lambda route: the function's handler around the route's consumer. */
export function emitLambdaEntries(model: CodegenModel): EmittedFile[] {
  return model.routes.flatMap((route) => {
    if (!route.entryFile) return []
    const writer = createWriter()
    writer.writeLine(banner(model.source))
    writer.writeLine(`// The Lambda function ${route.functionName}: route ${route.group}/${route.topic}, handler ${route.handler}.`)
    writer.writeLine(`import { createLambdaHandler, type KafkaLambdaHandler } from 'karafka-ts'`)
    writer.writeLine(`import consumer from '${importSpecifier(route.entryFile, route.handlerFile)}'`).blankLine()
    // A route AWS polls: its events are answered with batchItemFailures, and invalid messages dead-lettered by the entry.
    const fields = Object.entries(route.entryOptions ?? {}).map(([name, value]) => `${name}: '${value}'`)
    const options = fields.length > 0 ? `, { ${fields.join(', ')} }` : ''
    writer.writeLine(`export const handler: KafkaLambdaHandler = createLambdaHandler(consumer${options})`)
    return [{ path: route.entryFile, content: writer.toString() }]
  })
}
