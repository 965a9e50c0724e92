import type { z } from 'zod'
import type { Path } from './source.js'

type AnySchema = z.core.$ZodType

/** The keys a strict object of `schema` allows at `path`, for "unknown key" hints. */
export function allowedKeysAt(schema: AnySchema, path: Path): string[] {
  let node: AnySchema | undefined = schema
  for (const segment of path) {
    node = descend(unwrap(node), String(segment))
    if (!node) return []
  }
  const target = unwrap(node)
  return target?._zod.def.type === 'object' ? Object.keys((target as z.ZodObject).shape) : []
}

function unwrap(schema: AnySchema | undefined): AnySchema | undefined {
  let node = schema
  for (;;) {
    const def = node?._zod.def as { type: string; innerType?: AnySchema; getter?: () => AnySchema } | undefined
    if (!def) return node
    if (def.innerType) node = def.innerType
    else if (def.type === 'lazy' && def.getter) node = def.getter()
    else return node
  }
}

function descend(schema: AnySchema | undefined, segment: string): AnySchema | undefined {
  const def = schema?._zod.def as
    | { type: string; shape?: Record<string, AnySchema>; valueType?: AnySchema; options?: AnySchema[] }
    | undefined
  if (!def) return undefined
  if (def.type === 'object') return (schema as z.ZodObject).shape[segment] as AnySchema | undefined
  if (def.type === 'record') return def.valueType
  if (def.type === 'union') {
    for (const option of def.options ?? []) {
      const found = descend(unwrap(option), segment)
      if (found) return found
    }
  }
  return undefined
}
