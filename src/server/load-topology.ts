import { existsSync } from 'node:fs'
import path from 'node:path'
import { KarafkaError } from '../errors/index.js'
import { importAppModule } from '../loader/typescript.js'
import type { Manifest } from '../manifest/types.js'
import type { Topology } from '../topology.js'

/**
 * Imports the app's generated `karafka.ts` for its topology (schemas and keys).
 * @throws KarafkaError CODEGEN_FAILED when codegen has not run.
 */
export async function loadTopology(manifest: Manifest): Promise<Topology> {
  const file = path.resolve(manifest.root, manifest.codegen.outDir, 'karafka.ts')
  if (!existsSync(file)) {
    throw new KarafkaError('CODEGEN_FAILED', `the generated code ${path.relative(process.cwd(), file)} does not exist`, { hint: 'run karafka codegen first' })
  }
  const module = (await importAppModule(file)) as { topology?: Topology }
  if (!module.topology) throw new KarafkaError('CODEGEN_FAILED', `${file} exports no topology`, { hint: 'run karafka codegen again' })
  return module.topology
}
