import { z } from 'zod'
import type { Field, FieldType } from '../manifest/index.js'

/** A JSON Schema (draft 7, which AsyncAPI's default schema format extends), as plain data. */
export type JsonSchema = Record<string, unknown>

/** The JSON Schema of a manifest field type, accepting what the generated zod schema accepts. */
export function fieldTypeSchema(type: FieldType): JsonSchema {
  switch (type.kind) {
    case 'string':
      return { type: 'string' }
    case 'number':
      return { type: 'number' }
    case 'integer':
      return { type: 'integer' }
    case 'boolean':
      return { type: 'boolean' }
    case 'timestamp':
      return { type: 'string', format: 'date-time' }
    case 'json':
      return {}
    case 'enum':
      return { type: 'string', enum: type.values }
    case 'array':
      return { type: 'array', items: fieldTypeSchema(type.of) }
    case 'object':
      return fieldsSchema(type.fields)
  }
}

/** An object of fields: each a property, the ones without `?` required; other properties are let through, as zod's objects do. */
export function fieldsSchema(fields: Field[]): JsonSchema {
  const required = fields.filter((f) => !f.optional).map((f) => f.name)
  return {
    type: 'object',
    properties: Object.fromEntries(fields.map((f) => [f.name, fieldTypeSchema(f.type)])),
    ...(required.length > 0 ? { required } : {}),
  }
}

/**
 * The JSON Schema of an app's own zod schema (a `path#Export` event), by zod's converter.
 * What JSON Schema cannot say (a refinement, a transform) is left open rather than refused.
 */
export function zodSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', unrepresentable: 'any', io: 'input' }) as JsonSchema
  return rest
}
