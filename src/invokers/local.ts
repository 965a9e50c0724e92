import { type ConsumerContext, type ConsumerDefinition, isConsumerDefinition, type Message } from '../consumer/types.js'
import { KarafkaError } from '../errors/index.js'
import { importAppModule } from '../loader/typescript.js'
import type { Manifest, Route } from '../manifest/types.js'
import { createResponderSet, type ResponderMethods } from '../producer/responders.js'
import type { RecordSender } from '../producer/sender.js'
import { StagedSender } from '../producer/staged.js'
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

/**
 * Runs handlers in this process, ctx.responders sending through `sender`. On a transactional
 * route they stage what they publish instead, and the result carries it for the batch's
 * transaction: everything after a success, what came before the last mark after a failure.
 */
export function createLocalInvoker(definitions: Map<string, ConsumerDefinition>, sender: RecordSender): Invoker {
  const responders = new Map<ConsumerDefinition, Record<string, ResponderMethods>>()
  return {
    async invoke({ route, messages, context }: InvokeRequest): Promise<InvokeResult> {
      const definition = definitions.get(`${route.group}/${route.topic}`)
      if (!definition) throw new KarafkaError('HANDLER_INVALID', `no handler loaded for ${route.group}/${route.topic}`)
      const staged = route.transactional ? new StagedSender() : undefined
      let bound = staged ? createResponderSet(definition.topology, staged) : responders.get(definition)
      if (!bound) {
        bound = createResponderSet(definition.topology, sender)
        responders.set(definition, bound)
      }
      let marked: string | undefined
      const ctx: ConsumerContext<unknown> = {
        ...context,
        responders: bound,
        markAsConsumed: (message) => {
          marked = message.offset
          staged?.mark()
        },
      }
      try {
        await (definition.fn as unknown as AnyConsumerFn)(messages, ctx)
        return { consumed: messages.at(-1)?.offset, ...(staged ? { records: staged.all() } : {}) }
      } catch (error) {
        return {
          consumed: marked,
          ...(staged ? { records: staged.upToMark() } : {}),
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
