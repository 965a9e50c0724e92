import type { Field, FieldType } from '../../src/manifest/index.js'
import type { CodeBlockWriter } from './writer.js'

/** A property name as written in generated code: bare when it is an identifier, quoted otherwise. */
export function propertyName(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : `'${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

/** A string literal in single quotes. */
export function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`
}

/** Writes the zod schema of a field type; objects span several lines. */
export function writeZodType(writer: CodeBlockWriter, type: FieldType): void {
  switch (type.kind) {
    case 'string':
      writer.write('z.string()')
      return
    case 'number':
      writer.write('z.number()')
      return
    case 'integer':
      writer.write('z.int()')
      return
    case 'boolean':
      writer.write('z.boolean()')
      return
    case 'timestamp':
      writer.write('z.iso.datetime({ offset: true })')
      return
    case 'json':
      writer.write('z.json()')
      return
    case 'enum':
      writer.write(`z.enum([${type.values.map(quote).join(', ')}])`)
      return
    case 'array':
      writer.write('z.array(')
      writeZodType(writer, type.of)
      writer.write(')')
      return
    case 'object':
      writeZodObject(writer, type.fields)
  }
}

/** Writes `z.object({ ... })` for a list of fields. */
export function writeZodObject(writer: CodeBlockWriter, fields: Field[]): void {
  if (fields.length === 0) {
    writer.write('z.object({})')
    return
  }
  writer.write('z.object({').newLine()
  writer.indent(() => {
    for (const field of fields) {
      writer.write(`${propertyName(field.name)}: `)
      writeZodType(writer, field.type)
      if (field.optional) writer.write('.optional()')
      writer.write(',').newLine()
    }
  })
  writer.write('})')
}
