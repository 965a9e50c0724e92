import { CORE_SCHEMA, load, realMapTag } from 'js-yaml'

/**
 * The manifest's YAML as plain values by js-yaml, or undefined when this quick reading cannot
 * stand for the full one (source.ts, with the `yaml` library), which the loader then does.
 *
 * The full reading keeps every node's place in the file, so that each problem is reported at
 * its line; that costs about seven times as long (a 500-topic manifest: about 500 ms against
 * 70 here, in a fresh process). A manifest without problems needs no place, and most
 * manifests loaded have none: the loader reads them quickly, checks them, and reads them
 * in full only when a check fails or a place is asked for later.
 *
 * Both read YAML 1.2 with its core schema, and resolve plain scalars the same way (the unit
 * tests hold them to it, scalar by scalar and on whole manifests). What the full reading does
 * beyond that is left to it: merges (`<<`), aliases (counted there against a "billion
 * laughs"), and tags. Anything js-yaml refuses (duplicate keys, a collection as a key, an
 * empty file) goes to the full reading too, which explains it. `${VAR}` references are
 * expanded afterwards (env.ts, expandPlainValue).
 */
export function quickParse(text: string): unknown {
  if (NEEDS_FULL_READING.test(text)) return undefined
  try {
    return plain(load(text, { schema: SCHEMA, maxAliases: 0 }))
  } catch {
    return undefined
  }
}

/** Mappings as Maps, so that their keys keep their types until {@link plain} names them. */
const SCHEMA = CORE_SCHEMA.withTags(realMapTag)

/**
 * A value read with Maps for mappings, with objects in their place as yaml makes them: a key
 * named by its text (`null`, `~` and an empty key as '', a number as JS prints it), a later key
 * of the same name replacing an earlier one. A collection used as a key throws: the full
 * reading says what is wrong with it.
 */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain)
  if (!(value instanceof Map)) return value
  const object: Record<string, unknown> = {}
  for (const [key, item] of value) {
    if (typeof key === 'object' && key !== null) throw new Error('a collection as a key')
    const name = key === null ? '' : String(key)
    // An own property even when named __proto__, which assignment would not make.
    Object.defineProperty(object, name, { value: plain(item), enumerable: true, writable: true, configurable: true })
  }
  return object
}

/** `<<` (merges), `!` (tags); aliases are refused by js-yaml itself (maxAliases 0). */
const NEEDS_FULL_READING = /<<|!/
