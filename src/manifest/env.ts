import { type Document, isScalar, parse, visit } from 'yaml'
import type { Path } from './source.js'

/** A `${VAR}` without a default whose variable is not set. */
export interface UnsetVariable {
  path: Path
  name: string
}

const REFERENCE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g
const SECRET_NAME = /PASSWORD|SECRET|TOKEN/i

/**
 * Expands `${VAR}` and `${VAR:-default}` in every scalar value of the document, in place.
 * `$${VAR}` stays literal as `${VAR}`. A plain scalar that was exactly one reference takes
 * the type of what it expands to, so `memorySize: ${MEMORY:-256}` is the number 256.
 * Returns the unset variables and the expanded values that are secrets (by variable name).
 */
export function expandVariables(doc: Document, env: NodeJS.ProcessEnv): { unset: UnsetVariable[]; secrets: string[] } {
  const unset: UnsetVariable[] = []
  const secrets: string[] = []
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return
      const text = node.value
      const path = pathOf([...ancestors, node])
      const expanded = expandText(
        text,
        env,
        (name) => unset.push({ path, name }),
        (value) => secrets.push(value),
      )
      node.value = node.type === 'PLAIN' && isSingleReference(text) ? retype(expanded) : expanded
    },
  })
  return { unset, secrets }
}

/**
 * Expands the `${VAR}` references of one string. Calls `onUnset` for each unset variable
 * without a default (which expands to nothing) and `onSecret` for values of variables whose
 * names say they are secrets.
 */
export function expandText(
  text: string,
  env: NodeJS.ProcessEnv,
  onUnset: (name: string) => void,
  onSecret: (value: string) => void = () => {},
): string {
  return text.replace(REFERENCE, (whole, escaped: string, name: string, fallback: string | undefined) => {
    if (escaped) return whole.slice(1)
    const value = env[name] ?? fallback
    if (value === undefined) {
      onUnset(name)
      return ''
    }
    if (SECRET_NAME.test(name) && value !== '') onSecret(value)
    return value
  })
}

/** Expands every string of a plain value (the app block kept in generated code), typed as {@link expandVariables} does. */
export function expandValue(value: unknown, env: NodeJS.ProcessEnv, onUnset: (name: string) => void): unknown {
  return expandStrings(value, env, { onUnset, typed: () => true })
}

/**
 * {@link expandVariables} for a manifest read as plain values, without its scalars' styles
 * (quick-parse.ts). A value that is exactly one reference takes its value's type when it is
 * written unquoted; whether it is, the manifest's `text` tells: every place the reference is
 * written must agree (all quoted, or none). Returns undefined when they do not, or when a
 * variable is unset: the caller reads the manifest in full, which places each unset variable.
 */
export function expandPlainValue(value: unknown, env: NodeJS.ProcessEnv, text: string): { value: unknown; secrets: string[] } | undefined {
  const secrets: string[] = []
  let unsure = false
  const expanded = expandStrings(value, env, {
    onUnset: () => {
      unsure = true
    },
    onSecret: (secret) => secrets.push(secret),
    typed: (reference) => {
      const plain = writtenPlain(text, reference)
      if (plain === undefined) unsure = true
      return plain === true
    },
  })
  return unsure ? undefined : { value: expanded, secrets }
}

/** Every string in `value` expanded (keys stay as they are); a string that is exactly one reference takes its value's type when `typed` says so. */
function expandStrings(
  value: unknown,
  env: NodeJS.ProcessEnv,
  options: { onUnset: (name: string) => void; onSecret?: (value: string) => void; typed: (reference: string) => boolean },
): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value
    const expanded = expandText(value, env, options.onUnset, options.onSecret)
    return isSingleReference(value) && options.typed(value) ? retype(expanded) : expanded
  }
  if (Array.isArray(value)) return value.map((item) => expandStrings(item, env, options))
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, expandStrings(item, env, options)]))
  }
  return value
}

/** Whether `reference` is written unquoted everywhere in `text` (true), quoted everywhere (false), or both or nowhere (undefined). */
function writtenPlain(text: string, reference: string): boolean | undefined {
  let plain = false
  let quoted = false
  for (let at = text.indexOf(reference); at !== -1; at = text.indexOf(reference, at + 1)) {
    const before = text[at - 1]
    if (before === '"' || before === "'") quoted = true
    else plain = true
  }
  return plain === quoted ? undefined : plain
}

function isSingleReference(text: string): boolean {
  const matches = [...text.matchAll(REFERENCE)]
  return matches.length === 1 && matches[0]?.[0] === text && matches[0][1] === ''
}

function retype(text: string): string | number | boolean {
  if (text === '') return text
  try {
    const value: unknown = parse(text)
    return typeof value === 'number' || typeof value === 'boolean' ? value : text
  } catch {
    return text
  }
}

function pathOf(ancestors: readonly unknown[]): Path {
  const path: PropertyKey[] = []
  for (let i = 0; i < ancestors.length; i++) {
    const node = ancestors[i]
    if (node && typeof node === 'object' && 'key' in node && 'value' in node) {
      const key = (node as { key: unknown }).key
      path.push(String(isScalar(key) ? key.value : key))
    } else if (node && typeof node === 'object' && 'items' in node && Array.isArray((node as { items: unknown[] }).items)) {
      const next = ancestors[i + 1]
      const items = (node as { items: unknown[] }).items
      const index = items.indexOf(next)
      if (index >= 0 && !(next && typeof next === 'object' && 'key' in next)) path.push(index)
    }
  }
  return path
}
