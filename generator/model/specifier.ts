import path from 'node:path'

/** The ESM import specifier of `to` from the file `from`: relative, posix, with the emitted extension (.ts -> .js). */
export function importSpecifier(from: string, to: string): string {
  let relative = path.relative(path.dirname(from), to).split(path.sep).join('/')
  if (!relative.startsWith('.')) relative = `./${relative}`
  return relative.replace(/\.ts$/, '.js').replace(/\.mts$/, '.mjs')
}
