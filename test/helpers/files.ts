import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'

/** Every file under `dir` (but `skip`ped directories) with its mtime and content: equal snapshots mean nothing was touched. */
export function snapshotFiles(dir: string, skip: string[] = []): Record<string, string> {
  const files: Record<string, string> = {}
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      if (skip.includes(entry.name)) continue
      const file = path.join(at, entry.name)
      if (entry.isDirectory()) walk(file)
      else files[path.relative(dir, file)] = `${statSync(file).mtimeMs} ${readFileSync(file, 'utf8')}`
    }
  }
  walk(dir)
  return files
}
