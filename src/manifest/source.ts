import { type Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml'

/** A path into the manifest, as zod reports it. */
export type Path = readonly PropertyKey[]

export interface Position {
  line: number
  col: number
}

/** A parsed manifest file that can tell where each of its fields is written. */
export interface ManifestSource {
  file: string
  doc: Document
  /** Position of the value at `path` (or of its key, with `at: 'key'`); falls back to the nearest ancestor. */
  locate(path: Path, at?: 'key' | 'value'): Position
  /** Line and column of a character offset. */
  position(offset: number): Position
}

/** Parses YAML text keeping source ranges. Syntax errors are in `doc.errors`. */
export function parseSource(file: string, text: string): ManifestSource {
  const lineCounter = new LineCounter()
  // logLevel error: the loader reports what yaml would only warn about (such as a list used as a key), located.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true, logLevel: 'error' })
  const position = (offset: number): Position => lineCounter.linePos(offset)

  return {
    file,
    doc,
    position,
    locate(path, at = 'value') {
      let node: unknown = doc.contents
      let keyNode: unknown
      let found = { key: undefined as unknown, value: node }
      for (const segment of path) {
        if (isAlias(node)) node = node.resolve(doc)
        const next = child(node, segment)
        if (!next) break
        node = next.value
        keyNode = next.key
        found = { key: keyNode, value: node }
      }
      const target = at === 'key' && found.key ? found.key : (found.value ?? found.key)
      const range = (target as Node | undefined)?.range
      return range ? position(range[0]) : { line: 1, col: 1 }
    },
  }
}

function child(node: unknown, segment: PropertyKey): { key: unknown; value: unknown } | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue
      const key = isScalar(pair.key) ? pair.key.value : pair.key
      if (String(key) === String(segment)) return { key: pair.key, value: pair.value ?? pair.key }
    }
    return undefined
  }
  if (isSeq(node) && typeof segment === 'number') {
    const item = node.items[segment]
    return item === undefined ? undefined : { key: undefined, value: item }
  }
  return undefined
}
