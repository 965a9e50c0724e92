import path from 'node:path'
import { codegenFingerprint, lambdaEntryOptions } from '../../src/manifest/fingerprint.js'
import { camelCase, type Manifest, pascalCase } from '../../src/manifest/index.js'
import { importSpecifier } from './specifier.js'
import type { CodegenModel, EventModel, RouteModel, TopicModel } from './types.js'

/**
 * Builds the codegen model of a loaded manifest. It only builds: the loader has checked every
 * rule already (paths, names, schema modules), so what codegen accepts every command accepts.
 */
export function buildModel(manifest: Manifest): CodegenModel {
  const outDir = path.resolve(manifest.root, manifest.codegen.outDir)
  const karafkaFile = path.join(outDir, 'karafka.ts')
  const topics: TopicModel[] = Object.values(manifest.topics).map((topic) => {
    const events: EventModel[] = Object.entries(topic.events).map(([name, spec]) => {
      const type = pascalCase(name)
      const event: EventModel = { name, type, schema: `${type}Schema`, method: camelCase(name), spec }
      if (spec.kind === 'ref') {
        event.ref = {
          specifier: importSpecifier(karafkaFile, path.resolve(manifest.root, spec.module)),
          exportName: spec.exportName,
          local: `${type}Ref`,
        }
      }
      return event
    })
    const base = pascalCase(topic.name)
    return {
      name: topic.name,
      eventType: `${base}Event`,
      messageType: `${base}Message`,
      responderType: `${base}Responder`,
      key: topic.key,
      partitioner: topic.partitioner,
      events,
    }
  })
  const eventTypes = new Map(topics.map((topic) => [topic.name, topic.eventType]))
  const routes: RouteModel[] = manifest.routes.map((route) => ({
    group: route.group,
    topic: route.topic,
    eventType: eventTypes.get(route.topic) ?? 'never',
    handler: route.handler,
    handlerFile: route.handlerPath,
    backend: route.backend,
    functionName: route.functionName,
    entryFile: route.backend === 'lambda' ? path.join(outDir, 'lambda', `${route.group}.${route.topic}.ts`) : undefined,
    entryOptions: lambdaEntryOptions(route),
  }))
  return {
    source: path.basename(manifest.file),
    root: manifest.root,
    outDir,
    fingerprint: codegenFingerprint(manifest),
    appTemplate: manifest.appTemplate,
    rootFromOutDir: typeof manifest.app.ssl === 'object' ? `${path.relative(outDir, manifest.root).split(path.sep).join('/')}/` : undefined,
    topics,
    routes,
  }
}
