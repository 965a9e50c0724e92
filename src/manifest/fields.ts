/**
 * The manifest's field-type language: `string`, `number`, `integer`, `boolean`,
 * `timestamp`, `json`, `enum(a,b)`, any of them followed by `[]`, a one-element list
 * `[T]` (an array of T), or a mapping of fields (an object). A field name ending in `?`
 * is optional.
 */

export const SCALAR_TYPES = ['string', 'number', 'integer', 'boolean', 'timestamp', 'json'] as const
export type ScalarKind = (typeof SCALAR_TYPES)[number]

export type FieldType =
  | { kind: ScalarKind }
  | { kind: 'enum'; values: string[] }
  | { kind: 'array'; of: FieldType }
  | { kind: 'object'; fields: Field[] }

export interface Field {
  name: string
  optional: boolean
  type: FieldType
}

/** An event is either a mapping of fields or a reference to a zod schema of the app. */
export type EventSpec = { kind: 'fields'; fields: Field[] } | { kind: 'ref'; module: string; exportName: string }

export const FIELD_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*\??$/
export const SCHEMA_REF = /^([^#\s]+)#([A-Za-z_$][A-Za-z0-9_$]*)$/
const TYPE_EXPRESSION = /^\s*([a-z]+)(?:\(([^)]*)\))?\s*((?:\[\]\s*)*)$/
const ENUM_VALUE = /^[A-Za-z0-9_.:-]+$/

export const TYPE_HELP = 'string, number, integer, boolean, timestamp, json, enum(a,b), T[] or a mapping of fields'

/** Parses a type expression such as `integer[]` or `enum(a,b)`; returns an error text when it is not one. */
export function parseTypeExpression(text: string): FieldType | { error: string } {
  const match = TYPE_EXPRESSION.exec(text)
  if (!match) return { error: `"${text}" is not a type` }
  const [, name = '', args, brackets = ''] = match
  let type: FieldType
  if (name === 'enum') {
    const values = (args ?? '').split(',').map((v) => v.trim())
    if (args === undefined || values.some((v) => v === '')) return { error: `enum needs values: enum(a,b,c)` }
    const bad = values.find((v) => !ENUM_VALUE.test(v))
    if (bad !== undefined) return { error: `enum value "${bad}" may hold only letters, digits and _ . : -` }
    if (new Set(values).size !== values.length) return { error: `enum values repeat in "${text}"` }
    type = { kind: 'enum', values }
  } else if ((SCALAR_TYPES as readonly string[]).includes(name) && args === undefined) {
    type = { kind: name as ScalarKind }
  } else {
    return { error: `unknown type "${text.trim()}"` }
  }
  const depth = brackets.replace(/\s/g, '').length / 2
  for (let i = 0; i < depth; i++) type = { kind: 'array', of: type }
  return type
}

/** True for a mapping that is not an array or null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Parses one field's type from its manifest form. Assumes the manifest passed the schema;
 * throws on anything else.
 */
export function parseFieldType(spec: unknown): FieldType {
  if (typeof spec === 'string') {
    const type = parseTypeExpression(spec)
    if ('error' in type) throw new Error(type.error)
    return type
  }
  if (Array.isArray(spec) && spec.length === 1) return { kind: 'array', of: parseFieldType(spec[0]) }
  if (isPlainObject(spec)) return { kind: 'object', fields: parseFields(spec) }
  throw new Error(`not a field type: ${JSON.stringify(spec)}`)
}

/** Parses a mapping of `name` / `name?` to field types. */
export function parseFields(mapping: Record<string, unknown>): Field[] {
  return Object.entries(mapping).map(([key, spec]) => {
    const optional = key.endsWith('?')
    return { name: optional ? key.slice(0, -1) : key, optional, type: parseFieldType(spec) }
  })
}

/** Parses an event: `path#Export` or a mapping of fields. */
export function parseEventSpec(spec: unknown): EventSpec {
  if (typeof spec === 'string') {
    const match = SCHEMA_REF.exec(spec)
    if (!match) throw new Error(`not a schema reference: ${spec}`)
    return { kind: 'ref', module: match[1] ?? '', exportName: match[2] ?? '' }
  }
  if (isPlainObject(spec)) return { kind: 'fields', fields: parseFields(spec) }
  throw new Error(`not an event: ${JSON.stringify(spec)}`)
}

/** Describes a type for messages: `integer`, `string[]`, `object`. */
export function describeType(type: FieldType): string {
  switch (type.kind) {
    case 'array':
      return `${describeType(type.of)}[]`
    case 'enum':
      return `enum(${type.values.join(',')})`
    default:
      return type.kind
  }
}
