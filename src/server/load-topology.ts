import { existsSync } from 'node:fs'
import path from 'node:path'
import { KarafkaError } from '../errors/index.js'
import { importAppModule } from '../loader/typescript.js'
import { assertFresh } from '../manifest/fingerprint.js'
import type { Manifest } from '../manifest/types.js'
import type { Topology } from '../topology.js'

/**
 * Imports the app's generated `karafka.ts` for its topology (schemas and keys), and checks it
 * was generated from this manifest.
 * @throws KarafkaError CODEGEN_MISSING when codegen has not run, CODEGEN_STALE when it ran on another version of the manifest.
 */
export async function loadTopology(manifest: Manifest): Promise<Topology> {
  const file = path.resolve(manifest.root, manifest.codegen.outDir, 'karafka.ts')
  const shown = path.relative(process.cwd(), file) || file
  if (!existsSync(file)) {
    throw new KarafkaError('CODEGEN_MISSING', `the generated code ${shown} does not exist`, { hint: 'run karafka codegen first' })
  }
  const module = (await importAppModule(file)) as { topology?: Topology }
  if (!module.topology) throw new KarafkaError('CODEGEN_MISSING', `${shown} exports no topology`, { hint: 'run karafka codegen again' })
  assertFresh(manifest, module.topology.fingerprint, shown)
  return module.topology
}
