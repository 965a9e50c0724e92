import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { BANNER_PREFIX } from './emitters/banner.js'

export interface OutputFile {
  path: string
  content: string
  /** Stubs are created once and never rewritten. */
  kind: 'generated' | 'stub'
}

/** What a codegen run does (or, with --check, would do) to the disk. */
export interface WritePlan {
  write: OutputFile[]
  unchanged: OutputFile[]
  /** Generated files in the output directory that no longer belong to the manifest. */
  remove: string[]
}

/** Compares the output with the disk. Never plans to touch a stub that exists. */
export function planWrites(files: OutputFile[], outDir: string): WritePlan {
  const plan: WritePlan = { write: [], unchanged: [], remove: [] }
  for (const file of files) {
    const current = existsSync(file.path) ? readFileSync(file.path, 'utf8') : undefined
    if (file.kind === 'stub' ? current !== undefined : current === file.content) plan.unchanged.push(file)
    else plan.write.push(file)
  }
  const wanted = new Set(files.map((file) => file.path))
  plan.remove = listFiles(outDir).filter((file) => !wanted.has(file) && file.endsWith('.ts') && readFileSync(file, 'utf8').startsWith(BANNER_PREFIX))
  return plan
}

/** Applies a plan: each file is written to a temporary name and renamed into place. */
export function applyPlan(plan: WritePlan): void {
  for (const file of plan.write) {
    mkdirSync(path.dirname(file.path), { recursive: true })
    const temporary = `${file.path}.${randomBytes(4).toString('hex')}.tmp`
    writeFileSync(temporary, file.content, { flag: 'wx' })
    if (file.kind === 'stub' && existsSync(file.path)) {
      rmSync(temporary) // created by someone else meanwhile: theirs wins
      continue
    }
    renameSync(temporary, file.path)
  }
  for (const file of plan.remove) rmSync(file)
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name)
    return entry.isDirectory() ? listFiles(file) : entry.isFile() ? [file] : []
  })
}
