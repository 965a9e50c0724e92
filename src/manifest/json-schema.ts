import { z } from 'zod'
import { manifestSchema } from './schema.js'

/** The JSON Schema of karafka.yml, generated from the zod schema, for editors. */
export function manifestJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(manifestSchema, { io: 'input', target: 'draft-7', unrepresentable: 'any' })
  return {
    ...generated,
    $id: 'https://karafka-ts.dev/schema/karafka.schema.json',
    title: 'karafka.yml',
    description:
      'The karafka-ts manifest: topics, typed events, consumer groups and routes. Generated from src/manifest/schema.ts; do not edit.',
  }
}

/** The schema file's text, as `npm run schema` writes it. */
export function manifestJsonSchemaText(): string {
  return `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`
}
