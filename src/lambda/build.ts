import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { formatIssue, KarafkaError } from '../errors/index.js'
import { MSK_SIGNER_PACKAGE } from '../kafka/msk-iam.js'
import { isPem, PEM_FIELDS } from '../kafka/security.js'
import { assertFresh } from '../manifest/fingerprint.js'
import type { Manifest, Route } from '../manifest/types.js'
import { createZip } from './zip.js'

export interface BuiltFunction {
  route: Route
  functionName: string
  /** dist/lambda/<function>/index.mjs */
  bundle: string
  /** dist/lambda/<function>.zip */
  zip: string
  /** Base64 SHA-256 of the zip, as Lambda reports CodeSha256. */
  sha256: string
  bytes: number
  /** False when the zip on disk already had these bytes. */
  changed: boolean
}

/** The lambda routes of the manifest (optionally only `only`, as group/topic). */
export function lambdaRoutes(manifest: Manifest, only?: string): Route[] {
  const routes = manifest.routes.filter((r) => r.backend === 'lambda' && (!only || `${r.group}/${r.topic}` === only))
  if (only && routes.length === 0) {
    throw new KarafkaError('ARGUMENTS_INVALID', `no lambda route ${only}`, {
      hint: `lambda routes: ${
        manifest.routes
          .filter((r) => r.backend === 'lambda')
          .map((r) => `${r.group}/${r.topic}`)
          .join(', ') || 'none'
      }`,
    })
  }
  return routes
}

/**
 * Bundles each lambda route's generated entry with esbuild into dist/lambda/<function>/index.mjs
 * and zips it reproducibly: the same inputs give the same bytes, so an unchanged handler deploys nothing.
 * What the built functions will not be able to do as the manifest says goes to `onWarning`
 * (see {@link bundleWarnings}), by default as a `warning:` line of the progress.
 * @throws KarafkaError CODEGEN_FAILED when the entry was not generated.
 */
export async function buildFunctions(
  manifest: Manifest,
  routes: Route[],
  onProgress: (text: string) => void = () => {},
  onWarning: (text: string) => void = (text) => onProgress(`warning: ${text}`),
): Promise<BuiltFunction[]> {
  if (routes.length > 0) {
    assertGeneratedFresh(manifest)
    for (const text of bundleWarnings(manifest)) onWarning(text)
  }
  const { build } = await import('esbuild')
  const dist = path.join(manifest.root, 'dist', 'lambda')
  const built: BuiltFunction[] = []
  for (const route of routes) {
    const functionName = route.functionName!
    const entry = path.join(manifest.root, manifest.codegen.outDir, 'lambda', `${route.group}.${route.topic}.ts`)
    if (!existsSync(entry))
      throw new KarafkaError('CODEGEN_MISSING', `the Lambda entry ${path.relative(process.cwd(), entry)} does not exist`, {
        hint: 'run karafka codegen first',
      })
    onProgress(`bundling ${functionName} (${route.group}/${route.topic})...`)
    const outdir = path.join(dist, functionName)
    const result = await build({
      entryPoints: [entry],
      outfile: path.join(outdir, 'index.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: esbuildTarget(manifest.lambda?.runtime ?? 'nodejs24.x'),
      write: false,
      legalComments: 'none',
      // Bundled CommonJS dependencies call require(); give the ESM bundle one.
      banner: { js: "import { createRequire as __karafkaRequire } from 'node:module'; const require = __karafkaRequire(import.meta.url);" },
      logLevel: 'silent',
      // AWS's MSK signer is an optional peer: left out of the bundle of an app that has not installed it.
      external: installedIn(manifest.root, MSK_SIGNER_PACKAGE) ? [] : [MSK_SIGNER_PACKAGE],
    })
    const code = Buffer.from(result.outputFiles[0]!.contents)
    mkdirSync(outdir, { recursive: true })
    writeIfChanged(path.join(outdir, 'index.mjs'), code)
    const zip = createZip([{ name: 'index.mjs', data: code }])
    const zipFile = path.join(dist, `${functionName}.zip`)
    const changed = writeIfChanged(zipFile, zip)
    built.push({
      route,
      functionName,
      bundle: path.join(outdir, 'index.mjs'),
      zip: zipFile,
      sha256: createHash('sha256').update(zip).digest('base64'),
      bytes: zip.length,
      changed,
    })
  }
  return built
}

/** Where Lambda unpacks a function's zip. */
const LAMBDA_CODE = '/var/task'

/** A variable name to suggest for each PEM field given as text. */
const PEM_VARIABLES = { ca: 'KAFKA_CA_PEM', cert: 'KAFKA_CERT_PEM', key: 'KAFKA_KEY_PEM' } as const

/**
 * The TLS files of `app.ssl` (ca, cert, key written as paths) that a built function cannot
 * read, each located at its manifest line. The entry finds them from its bundle's place as
 * generated code finds them from outDir (`new URL(<outDir to root>, import.meta.url)`), so on
 * Lambda a path relative to karafka.yml lands beside or above /var/task (/var/certs/ca.pem for
 * the default outDir), where no zip can put a file; an absolute path is read from Lambda's own
 * file system. The zip is not made to carry them: that path is out of its reach, and a private
 * key in the code package is readable by whoever may read the function. A value that uses
 * `${VAR}` is the function's environment's to give, and is left alone.
 */
export function bundleWarnings(manifest: Manifest): string[] {
  const app = manifest.appTemplate as { ssl?: unknown } | undefined
  const ssl = typeof app?.ssl === 'object' && app.ssl !== null ? (app.ssl as Record<string, unknown>) : {}
  const shown = path.relative(process.cwd(), manifest.file) || manifest.file
  // From the generated code's directory up to karafka.yml's, as the entry climbs from its bundle.
  const up = path.relative(path.resolve(manifest.root, manifest.codegen.outDir), manifest.root).split(path.sep).join('/')
  const warnings: string[] = []
  for (const field of PEM_FIELDS) {
    const written = ssl[field]
    if (typeof written !== 'string' || written === '' || isPem(written) || written.includes('${')) continue
    // The key's value is never quoted: it may be the key itself, in a form not recognised as PEM.
    const file = field === 'key' ? 'the key file' : `the file ${written}`
    const where = path.isAbsolute(written)
      ? `a deployed function reads it from Lambda's own file system, which has it only if a layer puts it there`
      : `a deployed function looks for it ${field === 'key' ? `under ${path.posix.join(LAMBDA_CODE, up)}` : `at ${path.posix.join(LAMBDA_CODE, up, written.split(path.sep).join('/'))}`} (karafka.yml's place as its bundle, ${LAMBDA_CODE}/index.mjs, sees it), and the zip holds the bundle alone (lambda serve likewise)`
    const variable = PEM_VARIABLES[field]
    warnings.push(
      formatIssue({
        file: shown,
        ...manifest.locate(['app', 'ssl', field]),
        path: `app.ssl.${field}`,
        message: `the Lambda functions cannot read ${file}: ${where}, so each fails at its first send`,
        hint: `give the PEM text: ${field}: "\${${variable}:-${field === 'key' ? '<its path>' : written}}" keeps the file for local runs, and the functions read ${variable} from the secret of lambda.secrets${field === 'key' ? '' : ' (or lambda.environment, which holds 4 KB in all)'}`,
      }),
    )
  }
  return warnings
}

/**
 * The generated code a bundle would carry was made from this manifest: read from karafka.ts's
 * text, since building does not run it.
 * @throws KarafkaError CODEGEN_MISSING or CODEGEN_STALE.
 */
function assertGeneratedFresh(manifest: Manifest): void {
  const file = path.join(manifest.root, manifest.codegen.outDir, 'karafka.ts')
  const shown = path.relative(process.cwd(), file) || file
  if (!existsSync(file))
    throw new KarafkaError('CODEGEN_MISSING', `the generated code ${shown} does not exist`, { hint: 'run karafka codegen first' })
  assertFresh(manifest, /^\s*fingerprint: '([0-9a-f]+)',$/m.exec(readFileSync(file, 'utf8'))?.[1], shown)
}

/** esbuild's target for a Lambda runtime: the bundle uses what that Node version has. */
export function esbuildTarget(runtime: string): string {
  return `node${/^nodejs(\d+)\.x$/.exec(runtime)?.[1] ?? '24'}`
}

function writeIfChanged(file: string, data: Buffer): boolean {
  if (existsSync(file) && readFileSync(file).equals(data)) return false
  writeFileSync(file, data)
  return true
}

/** True when `name` resolves from the project at `root`. */
function installedIn(root: string, name: string): boolean {
  try {
    createRequire(path.join(root, 'package.json')).resolve(name)
    return true
  } catch {
    return false
  }
}
