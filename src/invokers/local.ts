import { type ConsumerContext, type ConsumerDefinition, isConsumerDefinition, type Message } from '../consumer/types.js'
import { KarafkaError } from '../errors/index.js'
import { importAppModule } from '../loader/typescript.js'
import type { Manifest, Route } from '../manifest/types.js'
import type { ResponderMethods } from '../producer/responders.js'
import type { Topology } from '../topology.js'
import type { InvokeRequest, InvokeResult, Invoker } from './invoker.js'

type AnyConsumerFn = (messages: Message[], ctx: ConsumerContext<unknown>) => Promise<void> | void

/**
 * Loads the handler module of each route once, checking that its default export is the
 * route's `defineConsumer(...)`.
 * @throws KarafkaError HANDLER_INVALID naming the manifest line and what to do.
 */
export async function loadHandlers(manifest: Manifest, routes: Route[]): Promise<Map<string, ConsumerDefinition>> {
  const definitions = new Map<string, ConsumerDefinition>()
  for (const route of routes) {
    const at = manifest.locate(['consumerGroups', route.group, 'topics', route.topic, 'handler'])
    const where = `${manifest.file}:${at.line}:${at.col}`
    const fail = (message: string, hint: string, cause?: unknown) =>
      new KarafkaError('HANDLER_INVALID', `${where} the handler of ${route.group}/${route.topic}, ${route.handler}, ${message}`, {
        hint,
        cause,
        route: `${route.group}/${route.topic}`,
      })
    let module: { default?: unknown }
    try {
      module = (await importAppModule(route.handlerPath)) as { default?: unknown }
    } catch (error) {
      const missing =
        (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(route.handlerPath)
      const code = (error as NodeJS.ErrnoException).code
      throw missing
        ? fail('does not exist', 'run karafka codegen to create a stub, or fix the path in karafka.yml')
        : code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX' || code === 'ERR_INVALID_TYPESCRIPT_SYNTAX'
          ? fail(
              `cannot be loaded: ${(error as Error).message}`,
              "Node's type stripping runs it: write only erasable TypeScript (no enum, namespace or parameter properties; tsconfig's erasableSyntaxOnly checks it), or set KARAFKA_TS_LOADER=tsx",
              error,
            )
          : fail(`cannot be loaded: ${(error as Error).message}`, 'fix the error in the handler file', error)
    }
    const definition = module.default
    if (!isConsumerDefinition(definition)) {
      throw fail(
        'has no default export made by defineConsumer',
        `end it with: export default defineConsumer('${route.group}', '${route.topic}', async (messages, ctx) => { ... })`,
      )
    }
    if (definition.group !== route.group || definition.topic !== route.topic) {
      throw fail(
        `defines the consumer of ${definition.group}/${definition.topic}`,
        `call defineConsumer('${route.group}', '${route.topic}', ...) in it`,
      )
    }
    definitions.set(`${route.group}/${route.topic}`, definition)
  }
  return definitions
}

/** Runs handlers in this process. `respondersFor` binds ctx.responders to the runtime's producer. */
export function createLocalInvoker(
  definitions: Map<string, ConsumerDefinition>,
  respondersFor: (topology: Topology) => Record<string, ResponderMethods>,
): Invoker {
  const responders = new Map<ConsumerDefinition, Record<string, ResponderMethods>>()
  return {
    async invoke({ route, messages, context }: InvokeRequest): Promise<InvokeResult> {
      const definition = definitions.get(`${route.group}/${route.topic}`)
      if (!definition) throw new KarafkaError('HANDLER_INVALID', `no handler loaded for ${route.group}/${route.topic}`)
      let bound = responders.get(definition)
      if (!bound) {
        bound = respondersFor(definition.topology)
        responders.set(definition, bound)
      }
      let marked: string | undefined
      const ctx: ConsumerContext<unknown> = {
        ...context,
        responders: bound,
        markAsConsumed: (message) => {
          marked = message.offset
        },
      }
      try {
        await (definition.fn as unknown as AnyConsumerFn)(messages, ctx)
        return { consumed: messages.at(-1)?.offset }
      } catch (error) {
        return {
          consumed: marked,
          error:
            error instanceof Error
              ? error
              : new KarafkaError('HANDLER_FAILED', `the handler threw a non-error: ${String(error)}`, {
                  route: `${route.group}/${route.topic}`,
                }),
        }
      }
    },
  }
}
