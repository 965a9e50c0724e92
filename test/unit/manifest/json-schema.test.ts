import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { it } from 'node:test'
import { manifestJsonSchema, manifestJsonSchemaText } from '../../../src/manifest/json-schema.js'

it('schema/karafka.schema.json is up to date with the zod schema (run npm run schema when this fails)', () => {
  const onDisk = readFileSync(new URL('../../../schema/karafka.schema.json', import.meta.url), 'utf8')
  assert.equal(onDisk, manifestJsonSchemaText())
})

it('the JSON Schema forbids unknown keys and knows every top-level block', () => {
  const schema = manifestJsonSchema() as { properties: Record<string, unknown>; additionalProperties: boolean; required: string[] }
  assert.deepEqual(Object.keys(schema.properties), ['app', 'codegen', 'lambda', 'metrics', 'web', 'topics', 'consumerGroups'])
  assert.equal(schema.additionalProperties, false)
  assert.deepEqual(schema.required, ['app', 'topics'])
})
