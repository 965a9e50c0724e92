import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import path from 'node:path'
import { KarafkaError } from '../errors/index.js'
import type { Manifest, Route } from './types.js'

const VERSION = (createRequire(import.meta.url)('karafka-ts/package.json') as { version: string }).version

/**
 * A short hash of everything in the manifest that generated code depends on (the app block as
 * written, the output directory, every topic with its key, events and partitioner, every route's
 * handler, backend and function, and what the Lambda entry of a route AWS polls is told) and of
 * the karafka-ts version that generates it. Codegen writes it
 * into the generated code; whatever runs that code compares it with the manifest's, so code
 * generated from another version of karafka.yml is refused instead of run with old schemas.
 * Comments, formatting and settings that generated code does not use (retries, batches) do
 * not change it.
 */
export function codegenFingerprint(manifest: Manifest): string {
  const input = {
    version: VERSION,
    outDir: manifest.codegen.outDir,
    app: manifest.appTemplate ?? null,
    topics: Object.values(manifest.topics).map((t) => [t.name, t.key ?? null, Object.entries(t.events), t.partitioner]),
    routes: manifest.routes.map((r) => {
      const entry = lambdaEntryOptions(r)
      return [r.group, r.topic, r.handler, r.backend, r.functionName ?? null, ...(entry ? [entry] : [])]
    }),
  }
  return createHash('sha256').update(JSON.stringify(input)).digest('hex').slice(0, 16)
}

/**
 * What the generated Lambda entry of a route that AWS's event source mapping polls is told:
 * that AWS polls it, where invalid messages go, and the consumer group they came from.
 * Undefined for every other route (its entry is told nothing).
 */
export function lambdaEntryOptions(route: Route): { poller: 'aws'; deadLetter?: string; consumerGroupId: string } | undefined {
  if (route.backend !== 'lambda' || route.poller !== 'aws' || !route.aws) return undefined
  return { poller: 'aws', ...(route.deadLetter ? { deadLetter: route.deadLetter } : {}), consumerGroupId: route.aws.consumerGroupId }
}

/**
 * @throws KarafkaError CODEGEN_STALE when generated code (`where`) carries another fingerprint than the manifest's.
 */
export function assertFresh(manifest: Manifest, fingerprint: string | undefined, where: string): void {
  const expected = codegenFingerprint(manifest)
  if (fingerprint === expected) return
  const manifestName = path.relative(process.cwd(), manifest.file) || manifest.file
  throw new KarafkaError(
    'CODEGEN_STALE',
    `${where} was generated from another version of ${manifestName} (fingerprint ${fingerprint ?? 'none'}, the manifest's is ${expected})`,
    {
      hint: 'run karafka codegen (karafka dev does it by itself), then start again',
    },
  )
}
