import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { BANNER_PREFIX } from './emitters/banner.js'

/**
 * What the last successful `karafka codegen` of a project read and wrote, kept in
 * `.karafka/codegen.json` beside karafka.yml: when nothing it depended on has changed, and the
 * files it wrote are still as it wrote them, a run has nothing to do and need not load the
 * manifest at all (for 500 topics, parsing the YAML alone takes longer than everything else).
 */
export interface CodegenStamp {
  /** The build of karafka-ts, the manifest's text and the environment variables it names. */
  key: string
  outDir: string
  /** Files whose existence the run depended on (handlers get stubs when missing; schema modules and TLS files must exist). */
  files: Record<string, boolean>
  /** Each generated file and the hash of its content. */
  outputs: Record<string, string>
}

const sha = (text: string | Buffer) => createHash('sha256').update(text).digest('hex')

function stampFile(manifestPath: string): string {
  return path.join(path.dirname(manifestPath), '.karafka', 'codegen.json')
}

/** The key of a run: this build of karafka-ts, the manifest as written, and the values (hashed) of the variables it names. */
export function stampKey(manifestText: string, env: NodeJS.ProcessEnv = process.env): string {
  const names = [...new Set([...manifestText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!))].sort()
  const values = names.map((name) => [name, env[name] === undefined ? null : sha(env[name]!)])
  return sha(JSON.stringify([buildId(), sha(manifestText), values]))
}

/**
 * The outputs of the last run when that run still stands: same key, the same files present or
 * absent, every generated file unchanged on disk, and no other generated file in the output
 * directory (that one would be removed). Undefined when a full run is needed.
 */
export function freshOutputs(manifestPath: string, env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  let stamp: CodegenStamp
  let manifestText: string
  try {
    stamp = JSON.parse(readFileSync(stampFile(manifestPath), 'utf8')) as CodegenStamp
    manifestText = readFileSync(manifestPath, 'utf8')
  } catch {
    return undefined
  }
  if (stamp.key !== stampKey(manifestText, env)) return undefined
  for (const [file, exists] of Object.entries(stamp.files)) if (existsSync(file) !== exists) return undefined
  for (const [file, hash] of Object.entries(stamp.outputs)) {
    if (!existsSync(file) || sha(readFileSync(file)) !== hash) return undefined
  }
  const strays = listFiles(stamp.outDir).filter((file) => !(file in stamp.outputs) && file.endsWith('.ts'))
  if (strays.some((file) => readFileSync(file, 'utf8').startsWith(BANNER_PREFIX))) return undefined
  return Object.keys(stamp.outputs)
}

/** Keeps what a successful run read and wrote; a stamp that cannot be written only costs the next run its shortcut. */
export function writeStamp(
  manifestPath: string,
  manifestText: string,
  stamp: Omit<CodegenStamp, 'key'>,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const file = stampFile(manifestPath)
  try {
    const key = stampKey(manifestText, env)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(`${file}.tmp`, `${JSON.stringify({ key, ...stamp }, null, 2)}\n`)
    renameSync(`${file}.tmp`, file)
  } catch {
    // A read-only project still generates; it just loads the manifest every time.
  }
}

/** The hash of a generated file's content, as the stamp keeps it. */
export const contentHash = (content: string): string => sha(content)

let build: string | undefined

/** This build of karafka-ts: its version and when its generator and manifest code were built (a rebuild in a checkout changes it). */
function buildId(): string {
  if (build) return build
  const here = path.dirname(fileURLToPath(import.meta.url))
  const version = (createRequire(import.meta.url)('karafka-ts/package.json') as { version: string }).version
  const code = [here, path.resolve(here, '../src/manifest')].flatMap(listFiles).map((file) => [file, statSync(file).mtimeMs])
  build = sha(JSON.stringify([version, code]))
  return build
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name)
    return entry.isDirectory() ? listFiles(file) : entry.isFile() ? [file] : []
  })
}
