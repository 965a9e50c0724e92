import { existsSync } from 'node:fs'
import path from 'node:path'
import { ManifestError, type ManifestIssue } from '../../src/errors/index.js'
import { camelCase, pascalCase, type Manifest } from '../../src/manifest/index.js'
import { formatPath } from '../../src/manifest/issues.js'
import { importSpecifier } from './specifier.js'
import type { CodegenModel, EventModel, RouteModel, TopicModel } from './types.js'

/**
 * Builds the codegen model of a loaded manifest.
 * @throws ManifestError when an output or schema path cannot be used (located in the manifest).
 */
export function buildModel(manifest: Manifest, source: string): CodegenModel {
  const issues: ManifestIssue[] = []
  const problem = (at: PropertyKey[], message: string, hint: string) =>
    issues.push({ file: source, ...manifest.locate(at, at[0] === 'topics' ? 'key' : 'value'), path: formatPath(at), message, hint })

  const outDir = path.resolve(manifest.root, manifest.codegen.outDir)
  if (!isInside(manifest.root, outDir)) {
    problem(['codegen', 'outDir'], `the output directory "${manifest.codegen.outDir}" is not inside the project`, 'use a directory below karafka.yml, such as generated')
  }
  const karafkaFile = path.join(outDir, 'karafka.ts')
  const topics: TopicModel[] = Object.values(manifest.topics).map((topic) => {
    const events: EventModel[] = Object.entries(topic.events).map(([name, spec]) => {
      const type = pascalCase(name)
      const event: EventModel = { name, type, schema: `${type}Schema`, method: camelCase(name), spec }
      if (spec.kind === 'ref') {
        const file = path.resolve(manifest.root, spec.module)
        if (!isInside(manifest.root, file) || !existsSync(file)) {
          problem(['topics', topic.name, 'events', name], `the schema module "${spec.module}" does not exist in the project`, `create it and export a zod schema named ${spec.exportName}, or describe the event's fields here`)
        }
        event.ref = { specifier: importSpecifier(karafkaFile, file), exportName: spec.exportName, local: `${type}Ref` }
      }
      if (event.method === 'tombstone') {
        problem(['topics', topic.name, 'events', name], 'an event may not be named "tombstone"', 'every responder has tombstone(key) already; rename the event')
      }
      return event
    })
    const base = pascalCase(topic.name)
    return { name: topic.name, eventType: `${base}Event`, messageType: `${base}Message`, responderType: `${base}Responder`, key: topic.key, events }
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
  }))
  for (const route of routes) {
    if (isInside(outDir, route.handlerFile)) {
      problem(['consumerGroups', route.group, 'topics', route.topic, 'handler'], `the handler "${route.handler}" is inside the generated directory`, 'keep handlers outside codegen.outDir; that directory is rewritten')
    }
  }
  if (issues.length > 0) throw new ManifestError(source, issues)
  return { source: path.basename(manifest.file), root: manifest.root, outDir, appTemplate: manifest.appTemplate, topics, routes }
}

function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file)
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
}
