import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { type LoadOptions, loadManifest } from '../src/manifest/index.js'
import { emitHandlerStubs } from './emitters/handler-stubs.js'
import { emitKarafkaFile } from './emitters/karafka-file.js'
import { emitLambdaEntries } from './emitters/lambda-entries.js'
import { buildModel } from './model/build-model.js'
import { contentHash, writeStamp } from './stamp.js'
import { applyPlan, type OutputFile, planWrites, type WritePlan } from './write.js'

export interface CodegenOptions extends LoadOptions {
  manifestPath: string
  /** Compare only: write nothing. */
  check?: boolean
}

export interface CodegenResult extends WritePlan {
  outDir: string
  /** Milliseconds the whole run took. */
  ms: number
}

/**
 * `karafka codegen`: load the manifest, build the model, emit every file with ts-morph's
 * writer (one writer per file), then write only what changed. Nothing is written when the manifest is bad.
 * @throws ManifestError for a bad manifest or unusable paths.
 */
export function runCodegen(options: CodegenOptions): CodegenResult {
  const began = performance.now()
  // Read once: the stamp must describe the text that was generated from, even if the file is saved meanwhile.
  const manifestFile = path.resolve(options.cwd ?? process.cwd(), options.manifestPath)
  const text = readText(manifestFile)
  const manifest = loadManifest(options.manifestPath, { ...options, ...(text === undefined ? {} : { text }) })
  const model = buildModel(manifest)
  const files: OutputFile[] = [
    ...[emitKarafkaFile(model), ...emitLambdaEntries(model)].map((file) => ({ ...file, kind: 'generated' as const })),
    ...emitHandlerStubs(model).map((file) => ({ ...file, kind: 'stub' as const })),
  ]
  const plan = planWrites(files, model.outDir)
  if (!options.check) {
    applyPlan(plan)
    // What this run depended on and wrote, so that the next one can tell at once that nothing changed.
    const ssl = typeof manifest.app.ssl === 'object' ? [manifest.app.ssl.ca, manifest.app.ssl.cert, manifest.app.ssl.key] : []
    const dependedOn = [
      ...model.routes.map((route) => route.handlerFile),
      ...model.topics.flatMap((topic) =>
        topic.events.flatMap((event) => (event.spec.kind === 'ref' ? [path.resolve(model.root, event.spec.module)] : [])),
      ),
      ...ssl.filter((value): value is string => typeof value === 'string' && !value.includes('-----BEGIN')),
    ]
    writeStamp(
      manifestFile,
      text ?? '',
      {
        outDir: model.outDir,
        files: Object.fromEntries(dependedOn.map((file) => [file, existsSync(file)])),
        outputs: Object.fromEntries(
          files.filter((file) => file.kind === 'generated').map((file) => [file.path, contentHash(file.content)]),
        ),
      },
      options.env,
    )
  }
  return { ...plan, outDir: model.outDir, ms: performance.now() - began }
}

/** The manifest's text, or undefined when it cannot be read (loadManifest then says why). */
function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}
