import { readFileSync } from 'node:fs'
import path from 'node:path'
import { isScalar, visit } from 'yaml'
import { ManifestError, type ManifestIssue } from '../errors/index.js'
import { KarafkaError } from '../errors/karafka-error.js'
import { appSecrets } from '../kafka/security.js'
import { allowedKeysAt } from './allowed-keys.js'
import { expandPlainValue, expandVariables } from './env.js'
import { isPlainObject } from './fields.js'
import { formatPath, fromRuleIssues, fromZodIssues } from './issues.js'
import { quickParse } from './quick-parse.js'
import { redact } from './redact.js'
import { resolveManifest } from './resolve.js'
import { checkRules } from './rules/index.js'
import { manifestSchema } from './schema.js'
import { type ManifestSource, parseSource } from './source.js'
import type { Manifest } from './types.js'

export interface LoadOptions {
  /** Variables for `${VAR}` expansion; defaults to process.env. */
  env?: NodeJS.ProcessEnv
  /** Directory that file names in messages are relative to; defaults to the working directory. */
  cwd?: string
  /** The manifest's text, when the caller read it already (and needs to know exactly which text was loaded). */
  text?: string
}

/**
 * Reads, checks and resolves a manifest.
 * @throws ManifestError with every problem found, each located as file:line:col.
 * @throws KarafkaError MANIFEST_NOT_FOUND when the file cannot be read.
 */
export function loadManifest(file: string, options: LoadOptions = {}): Manifest {
  const cwd = options.cwd ?? process.cwd()
  const absolute = path.resolve(cwd, file)
  const shown = path.relative(cwd, absolute) || absolute
  let text: string
  try {
    text = options.text ?? readFileSync(absolute, 'utf8')
  } catch (cause) {
    throw new KarafkaError('MANIFEST_NOT_FOUND', `cannot read the manifest ${shown}: ${(cause as NodeJS.ErrnoException).code ?? cause}`, {
      cause,
      hint: 'run karafka init to create one, or pass --manifest <path>',
    })
  }
  return parseManifest(text, shown, absolute, options.env ?? process.env)
}

/** Checks and resolves manifest text; `shown` is the file name used in messages. */
export function parseManifest(text: string, shown: string, absolute: string, env: NodeJS.ProcessEnv): Manifest {
  return quickManifest(text, shown, absolute, env) ?? fullManifest(text, shown, absolute, env)
}

/**
 * A manifest read quickly (quick-parse.ts) that passes every check, or undefined: the full
 * reading then finds the same problems and places each. The full reading of a manifest that
 * passed waits until something asks where a field is written (`locate`).
 */
function quickManifest(text: string, shown: string, absolute: string, env: NodeJS.ProcessEnv): Manifest | undefined {
  const read = quickParse(text)
  if (!isPlainObject(read)) return undefined
  const expanded = expandPlainValue(read, env, text)
  if (!expanded) return undefined
  const raw = expanded.value
  const parsed = manifestSchema.safeParse(raw)
  if (!parsed.success || checkRules(raw, path.dirname(absolute)).length > 0) return undefined
  let source: ManifestSource | undefined
  return resolveManifest(parsed.data, {
    file: absolute,
    secrets: expanded.secrets,
    // The app block as written: expanding made new values, so nothing shares it.
    appTemplate: read.app,
    locate: (at, where) => {
      source ??= parseSource(shown, text)
      return source.locate(at, where)
    },
  })
}

function fullManifest(text: string, shown: string, absolute: string, env: NodeJS.ProcessEnv): Manifest {
  const source = parseSource(shown, text)
  const syntax = source.doc.errors[0]
  if (syntax) {
    const duplicate = syntax.code === 'DUPLICATE_KEY' ? keyAt(source, syntax.pos[0]) : undefined
    const message =
      syntax.code === 'DUPLICATE_KEY'
        ? `${duplicate === undefined ? 'a key' : JSON.stringify(duplicate)} appears twice in this mapping`
        : `invalid YAML: ${syntax.message.split('\n')[0]!}`
    const line = text.split('\n')[source.position(syntax.pos[0]).line - 1] ?? ''
    const hint =
      syntax.code === 'DUPLICATE_KEY'
        ? 'keep one of the two: karafka-ts does not guess which one you meant'
        : line.includes('${') && line.includes('{ ')
          ? 'inside { }, quote a value that uses a variable: "${VAR}"'
          : 'fix the YAML syntax; inside { } write an array as [T], or quote it: "T[]"'
    throw new ManifestError(shown, [{ file: shown, ...source.position(syntax.pos[0]), path: '', message, hint }])
  }
  const appNode = source.doc.get('app', true)
  const appTemplate: unknown =
    appNode && typeof appNode === 'object' && 'toJS' in appNode
      ? plain(
          () => (appNode as { toJS(doc: unknown, options: object): unknown }).toJS(source.doc, { maxAliasCount: MAX_ALIASES }),
          source,
          shown,
        )
      : undefined
  const { unset, secrets } = expandVariables(source.doc, env)
  const issues: ManifestIssue[] = unset.map(({ path: at, name }) => ({
    file: shown,
    ...source.locate(at),
    path: formatPath(at),
    message: `\${${name}} is not set`,
    hint: `set ${name} in the environment, or give a default: \${${name}:-value}`,
  }))
  const raw: unknown = plain(() => source.doc.toJS({ maxAliasCount: MAX_ALIASES }), source, shown)
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ManifestError(shown, [
      {
        file: shown,
        line: 1,
        col: 1,
        path: '',
        message: 'the manifest is not a mapping',
        hint: 'start from the example of karafka init: app:, topics:, consumerGroups:',
      },
    ])
  }
  const parsed = manifestSchema.safeParse(raw)
  const ruled = fromRuleIssues(source, checkRules(raw, path.dirname(absolute)))
  // A rule's message says more than the schema's about the same field.
  const ruledPaths = new Set(ruled.map((issue) => issue.path))
  const schemaIssues = parsed.success
    ? []
    : fromZodIssues(source, parsed.error.issues, (at) => allowedKeysAt(manifestSchema, at)).filter((issue) => !ruledPaths.has(issue.path))
  // An unset variable explains every other complaint about the same field.
  const unsetPaths = new Set(issues.map((issue) => issue.path))
  issues.push(...[...schemaIssues, ...ruled].filter((issue) => !unsetPaths.has(issue.path)))
  if (issues.length > 0 || !parsed.success) {
    // Messages may quote a value: never one that is a secret.
    const hidden = [...secrets, ...appSecrets((raw as { app?: unknown } | null)?.app)]
    throw new ManifestError(
      shown,
      sortIssues(issues).map((issue) => ({
        ...issue,
        message: redact(issue.message, hidden),
        ...(issue.hint ? { hint: redact(issue.hint, hidden) } : {}),
      })),
    )
  }
  return resolveManifest(parsed.data, { file: absolute, secrets, appTemplate, locate: (at, where) => source.locate(at, where) })
}

/** The text of the mapping key that starts at `offset`, if one does. */
function keyAt(source: ReturnType<typeof parseSource>, offset: number): string | undefined {
  let found: string | undefined
  visit(source.doc, {
    Pair(_key, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        found = String(pair.key.value)
        return visit.BREAK
      }
      return undefined
    },
  })
  return found
}

/** How many times aliases may be expanded in all: a manifest needs few; a "billion laughs" needs millions. */
const MAX_ALIASES = 1000

/** Turns YAML into plain values; what cannot be (aliases expanding without bound, a merge of a non-map) is refused at the first alias. */
function plain<T>(convert: () => T, source: ReturnType<typeof parseSource>, shown: string): T {
  try {
    return convert()
  } catch (error) {
    let at = 0
    visit(source.doc, {
      Alias(_key, node) {
        at = node.range?.[0] ?? 0
        return visit.BREAK
      },
    })
    const message =
      error instanceof ReferenceError
        ? `the aliases expand to more than ${MAX_ALIASES} copies`
        : `invalid YAML: ${(error as Error).message}`
    throw new ManifestError(shown, [
      {
        file: shown,
        ...source.position(at),
        path: '',
        message,
        hint: 'write the values out instead of using aliases (*name) and merges (<<)',
      },
    ])
  }
}

function sortIssues(issues: ManifestIssue[]): ManifestIssue[] {
  const unique = new Map(issues.map((issue) => [`${issue.line}:${issue.col}:${issue.path}:${issue.message}`, issue]))
  return [...unique.values()].sort((a, b) => a.line - b.line || a.col - b.col)
}
