import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { z } from 'zod'
import { asyncApiDocument } from '../asyncapi/document.js'
import { type JsonSchema, zodSchema } from '../asyncapi/json-schema.js'
import { KarafkaError } from '../errors/index.js'
import { importAppModule } from '../loader/typescript.js'
import { loadManifest, type Manifest } from '../manifest/index.js'
import type { Command } from './command.js'

/** `karafka asyncapi [--out file] [--check]`: the manifest as an AsyncAPI 3.0 document. */
export const asyncapi: Command = {
  words: ['asyncapi'],
  summary: 'write an AsyncAPI 3.0 document of the topics, events and consumer groups',
  args: '[--out asyncapi.yaml] [--check]',
  options: { out: { type: 'string' }, check: { type: 'boolean' } },
  optionHelp: {
    out: 'where to write it (default asyncapi.yaml beside karafka.yml; a .json name writes JSON; - prints it)',
    check: 'write nothing; exit 1 when the file on disk differs from the manifest',
  },
  async run({ values, manifestPath }) {
    const manifest = loadManifest(manifestPath)
    const out = typeof values.out === 'string' ? values.out : path.join(manifest.root, 'asyncapi.yaml')
    const document = asyncApiDocument({ manifest, version: appVersion(manifest.root), refSchemas: await refSchemas(manifest) })
    const text = out.endsWith('.json') ? `${JSON.stringify(document, null, 2)}\n` : await yaml(document)
    if (out === '-') {
      process.stdout.write(text)
      return 0
    }
    const shown = path.relative(process.cwd(), out) || out
    if (values.check === true) {
      if (existsSync(out) && readFileSync(out, 'utf8') === text) {
        process.stdout.write(`${shown} is up to date\n`)
        return 0
      }
      process.stderr.write(`${shown} is stale; run karafka asyncapi\n`)
      return 1
    }
    // Written beside its target and renamed: a reader never sees half a document.
    writeFileSync(`${out}.tmp`, text)
    renameSync(`${out}.tmp`, out)
    const counts = Object.values(manifest.topics).reduce((sum, topic) => sum + Object.keys(topic.events).length, 0)
    process.stdout.write(
      `wrote ${shown}: AsyncAPI 3.0.0, ${Object.keys(manifest.topics).length} channels, ${counts} events, ${manifest.routes.length} consumer routes\n`,
    )
    return 0
  },
}

async function yaml(document: unknown): Promise<string> {
  const { stringify } = await import('yaml')
  return stringify(document, { lineWidth: 0, aliasDuplicateObjects: false })
}

/** The version of the app's package.json, or 0.0.0 when it has none. */
function appVersion(root: string): string {
  try {
    const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: unknown }).version
    return typeof version === 'string' && version !== '' ? version : '0.0.0'
  } catch {
    return '0.0.0'
  }
}

/**
 * The JSON Schemas of the `path#Export` events: each module of the app is imported and its zod
 * schema converted.
 * @throws KarafkaError CODEGEN_FAILED when a module has no such zod schema.
 */
async function refSchemas(manifest: Manifest): Promise<Map<string, JsonSchema>> {
  const schemas = new Map<string, JsonSchema>()
  for (const topic of Object.values(manifest.topics)) {
    for (const [event, spec] of Object.entries(topic.events)) {
      if (spec.kind !== 'ref') continue
      const module = (await importAppModule(path.resolve(manifest.root, spec.module))) as Record<string, unknown>
      const schema = module[spec.exportName] as z.ZodType | undefined
      if (typeof (schema as { safeParse?: unknown } | undefined)?.safeParse !== 'function') {
        throw new KarafkaError(
          'CODEGEN_FAILED',
          `topics.${topic.name}.events.${event}: ${spec.module} exports no zod schema ${spec.exportName}`,
          {
            hint: `export const ${spec.exportName} = z.object({ ... }) from ${spec.module}`,
          },
        )
      }
      schemas.set(`${topic.name}/${event}`, zodSchema(schema!))
    }
  }
  return schemas
}
