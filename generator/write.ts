import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { KarafkaError } from '../src/errors/index.js'
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
  plan.remove = listFiles(outDir).filter(
    (file) => !wanted.has(file) && file.endsWith('.ts') && readFileSync(file, 'utf8').startsWith(BANNER_PREFIX),
  )
  return plan
}

/**
 * Applies a plan all or nothing: every file is first written to a temporary name beside it;
 * only when all of them are written are they renamed into place. If one cannot be written,
 * the temporary files and the directories made for them are removed and nothing changes.
 * @throws KarafkaError CODEGEN_FAILED naming the file that could not be written.
 */
export function applyPlan(plan: WritePlan): void {
  const staged: { file: OutputFile; temporary: string }[] = []
  const madeDirs: string[] = []
  try {
    for (const file of plan.write) {
      const made = mkdirSync(path.dirname(file.path), { recursive: true })
      if (made) madeDirs.push(made)
      const temporary = path.join(path.dirname(file.path), `.${randomBytes(6).toString('hex')}.karafka.tmp`)
      writeFileSync(temporary, file.content, { flag: 'wx' })
      staged.push({ file, temporary })
    }
  } catch (cause) {
    for (const { temporary } of staged) rmSync(temporary, { force: true })
    for (const dir of madeDirs.reverse()) rmSync(dir, { recursive: true, force: true })
    const failed = plan.write[staged.length]
    throw new KarafkaError(
      'CODEGEN_FAILED',
      `cannot write ${failed ? path.relative(process.cwd(), failed.path) : 'the output'}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}; nothing was written`,
      {
        cause,
        hint: 'check the path (each part at most 255 bytes) and that the directory is writable',
      },
    )
  }
  for (const { file, temporary } of staged) {
    if (file.kind === 'stub' && existsSync(file.path))
      rmSync(temporary) // created by someone else meanwhile: theirs wins
    else renameSync(temporary, file.path)
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
