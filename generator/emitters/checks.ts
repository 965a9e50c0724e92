import type { Field, FieldType } from '../../src/manifest/index.js'
import { quote } from './zod.js'

/** `value.name`, or `value['odd-name']` when the name is not an identifier. */
function member(value: string, name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? `${value}.${name}` : `${value}[${quote(name)}]`
}

/**
 * The expression of a compiled payload check (see src/consumer/checks.ts) for a value of
 * `type` at `value`: true only when the event's zod schema would accept it unchanged.
 * `depth` names the element variables of nested arrays.
 */
export function checkExpression(type: FieldType, value: string, depth = 0): string {
  switch (type.kind) {
    case 'string':
    case 'boolean':
      return `typeof ${value} === '${type.kind}'`
    case 'number':
    case 'integer':
    case 'timestamp':
    case 'json':
      return `is.${type.kind === 'integer' ? 'int' : type.kind}(${value})`
    case 'enum':
      return `(${type.values.map((v) => `${value} === ${quote(v)}`).join(' || ')})`
    case 'array': {
      const element = `e${depth}`
      return `Array.isArray(${value}) && ${value}.every((${element}: any) => ${checkExpression(type.of, element, depth + 1)})`
    }
    case 'object':
      return objectCheck(type.fields, value, depth)
  }
}

/** A plain object with no fields but `fields`, each present one of its type, every required one present. */
export function objectCheck(fields: Field[], value: string, depth = 0): string {
  const parts = [`is.record(${value}, [${fields.map((f) => quote(f.name)).join(', ')}])`]
  for (const field of fields) {
    const at = member(value, field.name)
    const check = checkExpression(field.type, at, depth)
    parts.push(field.optional ? `(${at} === undefined || ${check})` : check)
  }
  return parts.join(' && ')
}
