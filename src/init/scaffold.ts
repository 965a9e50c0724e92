import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { KarafkaError } from '../errors/index.js'
import { GITIGNORE_ENTRIES, handlerTestTemplate, manifestTemplate, SCRIPTS, type TemplateOptions, TSCONFIG_TEMPLATE } from './templates.js'

/** What init did to one file. */
export interface ScaffoldStep {
  /** Relative to the project. */
  file: string
  action: 'created' | 'updated' | 'kept' | 'skipped'
  detail?: string
}

export interface ScaffoldOptions {
  /** The project directory (the working directory). */
  dir: string
  lambda: boolean
}

/**
 * Writes a new karafka-ts app into `dir`: karafka.yml, a first handler test, package scripts,
 * .gitignore entries and a tsconfig.json. It never overwrites a file: an existing one is
 * kept (package.json and .gitignore only gain what they lack), so a second run changes nothing.
 * @throws KarafkaError ARGUMENTS_INVALID when package.json is not JSON.
 */
export function scaffold({ dir, lambda }: ScaffoldOptions): { steps: ScaffoldStep[]; manifestCreated: boolean; name: string } {
  const packageFile = path.join(dir, 'package.json')
  const pkg = existsSync(packageFile) ? readPackage(packageFile) : undefined
  const name = appName(pkg?.data.name, dir)
  const options: TemplateOptions = { name, lambda }
  const steps: ScaffoldStep[] = []

  const manifestCreated = createFile(dir, 'karafka.yml', manifestTemplate(options), steps)
  steps.push(updatePackage(packageFile, pkg, name))
  steps.push(updateGitignore(path.join(dir, '.gitignore')))
  createFile(dir, 'tsconfig.json', TSCONFIG_TEMPLATE, steps)
  // The test runs the users route of init's own manifest; a manifest of yours may have no such route.
  if (manifestCreated || existsSync(path.join(dir, TEST_FILE))) createFile(dir, TEST_FILE, handlerTestTemplate(options), steps)
  else steps.push({ file: TEST_FILE, action: 'skipped', detail: 'karafka.yml was already there; see karafka-ts/testing in the README' })
  return { steps, manifestCreated, name }
}

const TEST_FILE = 'test/users.test.ts'

/** A name Kafka and Lambda both take: the package name without its scope, else the directory's. */
export function appName(packageName: unknown, dir: string): string {
  const raw = typeof packageName === 'string' && packageName !== '' ? packageName.replace(/^@[^/]+\//, '') : path.basename(dir)
  const name = raw
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 40)
  return /^[A-Za-z]/.test(name) ? name : `app${name ? `-${name}` : ''}`
}

function createFile(dir: string, file: string, content: string, steps: ScaffoldStep[]): boolean {
  const target = path.join(dir, file)
  if (existsSync(target)) {
    steps.push({ file, action: 'kept', detail: 'already there' })
    return false
  }
  mkdirSync(path.dirname(target), { recursive: true })
  writeFileSync(target, content, { flag: 'wx' })
  steps.push({ file, action: 'created' })
  return true
}

interface PackageFile {
  data: Record<string, unknown>
  indent: string
}

function readPackage(file: string): PackageFile {
  const text = readFileSync(file, 'utf8')
  try {
    const data = JSON.parse(text) as unknown
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('not an object')
    return { data: data as Record<string, unknown>, indent: /^(\s+)"/m.exec(text)?.[1] ?? '  ' }
  } catch (cause) {
    throw new KarafkaError('ARGUMENTS_INVALID', `package.json is not a JSON object: ${(cause as Error).message}`, {
      cause,
      hint: 'fix package.json, or remove it and run npm init -y, then karafka init again',
    })
  }
}

/** Adds the scripts whose names are free (npm's placeholder test script counts as free) and "type": "module". */
function updatePackage(file: string, pkg: PackageFile | undefined, name: string): ScaffoldStep {
  const data: Record<string, unknown> = pkg?.data ?? { name, private: true }
  const scripts = { ...((data.scripts as Record<string, string> | undefined) ?? {}) }
  const added: string[] = []
  for (const [script, command] of Object.entries(SCRIPTS)) {
    const current = scripts[script]
    if (current !== undefined && !(script === 'test' && /no test specified/.test(current))) continue
    scripts[script] = command
    added.push(script)
  }
  const changes = added.length > 0 ? [`scripts ${added.join(', ')}`] : []
  // Generated code and handlers are ES modules; Node reads .ts files by the package type.
  if (data.type !== 'module') changes.push(`"type": "module" (was ${data.type === undefined ? 'unset' : JSON.stringify(data.type)})`)
  if (pkg && changes.length === 0) return { file: 'package.json', action: 'kept', detail: 'has the scripts already' }
  const updated = { ...data, type: 'module', scripts }
  writeFileSync(file, `${JSON.stringify(updated, null, pkg?.indent ?? '  ')}\n`)
  return { file: 'package.json', action: pkg ? 'updated' : 'created', detail: changes.join('; ') }
}

function updateGitignore(file: string): ScaffoldStep {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : undefined
  const present = new Set((text ?? '').split(/\r?\n/).map((line) => line.trim().replace(/^\//, '')))
  const missing = GITIGNORE_ENTRIES.filter((entry) => !present.has(entry) && !present.has(entry.replace(/\/$/, '')))
  if (text !== undefined && missing.length === 0) return { file: '.gitignore', action: 'kept', detail: 'has the entries already' }
  const prefix = text === undefined || text === '' || text.endsWith('\n') ? (text ?? '') : `${text}\n`
  writeFileSync(file, `${prefix}${missing.join('\n')}\n`)
  return { file: '.gitignore', action: text === undefined ? 'created' : 'updated', detail: missing.join(' ') }
}
