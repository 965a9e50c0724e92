import module from 'node:module'
import { pathToFileURL } from 'node:url'

/** Which loader runs the app's TypeScript in this process. */
export type TypeScriptLoader = 'node' | 'tsx'

let registered: Promise<TypeScriptLoader> | undefined

/**
 * Lets this process import the app's TypeScript (handlers, generated code, schema modules)
 * without a build step. Where Node strips types itself (22.18+, 23.6+, and 22.6+ run with
 * --experimental-strip-types) that is Node's own type stripping, plus a resolve hook that
 * finds `./file.ts` for the `./file.js` specifiers TypeScript wants in ES modules. Elsewhere,
 * or with KARAFKA_TS_LOADER=tsx (for syntax stripping cannot erase, such as enums), it is tsx.
 * Registers once; later calls return the same answer.
 */
export function registerTypeScript(env: NodeJS.ProcessEnv = process.env): Promise<TypeScriptLoader> {
  registered ??= (async () => {
    const choice = env.KARAFKA_TS_LOADER
    if (choice !== 'tsx' && nodeStripsTypes()) {
      module.registerHooks({ resolve: resolveTypeScriptSibling })
      return 'node'
    }
    const { register } = await import('tsx/esm/api')
    register()
    return 'tsx'
  })()
  return registered
}

/** Imports a module of the app (a .ts file is fine) by its absolute path. */
export async function importAppModule(file: string): Promise<unknown> {
  await registerTypeScript()
  return import(pathToFileURL(file).href)
}

/** True when this Node strips TypeScript types by itself and takes synchronous resolve hooks. */
export function nodeStripsTypes(): boolean {
  const features = process.features as { typescript?: string | false }
  return Boolean(features.typescript) && typeof module.registerHooks === 'function'
}

type ResolveHook = Parameters<typeof module.registerHooks>[0]['resolve'] & {}

/**
 * `./x.js` (or `.mjs`) that does not exist, imported from the app, resolves to `./x.ts`
 * (or `.mts`) when that exists: TypeScript has ES modules name the file they compile to.
 */
export const resolveTypeScriptSibling: ResolveHook = (specifier, context, nextResolve) => {
  try {
    return nextResolve(specifier, context)
  } catch (error) {
    const sibling = typeScriptSibling(specifier, context.parentURL)
    if (!sibling || (error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error
    try {
      return nextResolve(sibling, context)
    } catch {
      throw error
    }
  }
}

/** The `.ts` specifier to try for a relative `.js` one imported by a file of the app (never from node_modules). */
export function typeScriptSibling(specifier: string, parentURL: string | undefined): string | undefined {
  if (!parentURL?.startsWith('file:') || parentURL.includes('/node_modules/')) return undefined
  if (!/^\.{1,2}\//.test(specifier)) return undefined
  if (specifier.endsWith('.js')) return `${specifier.slice(0, -3)}.ts`
  if (specifier.endsWith('.mjs')) return `${specifier.slice(0, -4)}.mts`
  return undefined
}
