import type { Registry } from 'prom-client'
import { Poller } from '../consumer/poller.js'
import { ArgumentsError, KarafkaError } from '../errors/index.js'
import { Monitor } from '../instrumentation/monitor.js'
import type { Invoker } from '../invokers/invoker.js'
import { createLocalInvoker, loadHandlers } from '../invokers/local.js'
import { createKafka } from '../kafka/client.js'
import { metricsSchema } from '../manifest/schema.js'
import type { Manifest, Route } from '../manifest/types.js'
import { startObservabilityServer } from '../observability/http.js'
import { createMetrics } from '../observability/metrics.js'
import { createProducerRuntime, type ProducerRuntime } from '../producer/producer-runtime.js'
import { securityProblem } from '../retry/kafka-errors.js'
import { lagReader, type PartitionLag } from '../topics/lag.js'
import { startReporter } from '../web/reporter/reporter.js'
import { loadTopology } from './load-topology.js'

export interface ServerOptions {
  manifest: Manifest
  /** Only these consumer groups (default: all). */
  groups?: string[]
  /** Run every route on this backend instead of the manifest's. */
  backend?: 'local' | 'lambda'
  monitor?: Monitor
  /** Serve /metrics, /healthz and /readyz on this port (0: a free one), with the manifest's metrics settings or their defaults. */
  metricsPort?: number
  /**
   * Also poll the routes AWS's event source mapping polls in production (`poller: aws`), as
   * `karafka dev` does where there is no AWS; by default they are left to AWS.
   */
  pollAwsRoutes?: boolean
  /** Report this process's state for `karafka web` (default: the manifest's web.reporting, on unless set off). */
  reporting?: boolean
}

/** A running `karafka server`: one poller per consumer group, one producer for responders and dead letters. */
export interface Server {
  monitor: Monitor
  producer: ProducerRuntime
  /** Graceful stop: in-flight batches finish (bounded by app.shutdownTimeoutMs), offsets are committed. */
  stop(signal?: string): Promise<void>
  /** Resolves when a poller crashed for good. */
  crashed: Promise<Error>
  /** The metrics and health endpoint, when the manifest or metricsPort asks for one. */
  metrics: { url: string; registry: Registry } | undefined
}

/**
 * Starts the poller. Loads the generated topology and every handler first, so a missing or
 * wrong handler fails before anything connects.
 * @throws KarafkaError (HANDLER_INVALID, CODEGEN_FAILED, ...) for what the user must fix.
 */
export async function startServer(options: ServerOptions): Promise<Server> {
  const { manifest } = options
  const monitor = options.monitor ?? new Monitor()
  const routes = selectRoutes(manifest, options)
  const topology = await loadTopology(manifest)
  const producer = createProducerRuntime(() => manifest.app, { monitor, topics: manifest.topics })
  const invoker = await createInvoker(manifest, routes, producer, monitor)
  const kafka = createKafka(manifest.app, '', monitor)
  const groups = [...new Set(routes.map((r) => r.group))]
  const pollers = groups.map(
    (group) =>
      new Poller({
        group,
        routes: routes.filter((r) => r.group === group),
        kafka,
        topology,
        invoker,
        monitor,
        sender: producer.sender,
        partitionerOf: producer.partitionerOf,
        ...manifest.groupSettings[group]!,
      }),
  )
  const metrics = await serveMetrics(
    manifest,
    options.metricsPort,
    monitor,
    pollers,
    lagReader(kafka, Object.fromEntries(groups.map((group) => [group, routes.filter((r) => r.group === group).map((r) => r.topic)]))),
  )
  // Its own producer: a reports topic that is missing or slow never holds up dead letters or responders.
  const reportsProducer = (options.reporting ?? manifest.web.reporting) ? createProducerRuntime(() => manifest.app) : undefined
  const reporter =
    reportsProducer && startReporter({ monitor, sender: reportsProducer.sender, web: manifest.web, app: manifest.app.clientId, groups })
  let reportCrash: (error: Error) => void = () => {}
  const crashed = new Promise<Error>((resolve) => (reportCrash = resolve))
  const unsubscribe = monitor.subscribe('error.occurred', (event) => {
    if (event.type === 'consumer.crashed') reportCrash(event.error)
  })
  try {
    for (const poller of pollers) await poller.start()
  } catch (error) {
    await Promise.all(pollers.map((p) => p.stop(0)))
    reporter?.discard()
    await Promise.all([producer.close(), reportsProducer && closeWithin(reportsProducer, 2_000)])
    await metrics?.close()
    // Ours already says what to do (an MSK token that cannot be signed, say): not a broker outage.
    if (error instanceof KarafkaError) throw error
    const security = securityProblem(error)
    if (security) {
      throw new KarafkaError('KAFKA_AUTH_FAILED', `cannot connect to ${manifest.app.brokers.join(', ')}: ${security.what}`, {
        cause: error,
        hint: security.hint,
      })
    }
    throw new KarafkaError(
      'KAFKA_UNAVAILABLE',
      `cannot start consuming from ${manifest.app.brokers.join(', ')}: ${(error as Error).message}`,
      {
        cause: error,
        retriable: true,
        hint: 'is the broker running (karafka broker start, or karafka dev), and do the topics exist (karafka topics migrate)?',
      },
    )
  }
  monitor.emit('app.running', { groups, backend: options.backend ?? 'per route', ...(metrics ? { metricsUrl: metrics.url } : {}) })
  let stopping: Promise<void> | undefined
  return {
    monitor,
    producer,
    crashed,
    metrics: metrics && { url: metrics.url, registry: metrics.registry },
    stop(signal) {
      stopping ??= (async () => {
        const began = performance.now()
        monitor.emit('app.stopping', { signal })
        const results = await Promise.all(pollers.map((p) => p.stop(manifest.app.shutdownTimeoutMs)))
        if (results.includes(false)) {
          monitor.emit('error.occurred', {
            type: 'app.shutdown.timeout',
            error: new KarafkaError(
              'SHUTDOWN_TIMEOUT',
              `in-flight batches did not finish within ${manifest.app.shutdownTimeoutMs} ms; their offsets were not committed`,
            ),
          })
        }
        await reporter?.stop()
        await Promise.all([producer.close(), reportsProducer && closeWithin(reportsProducer, 2_000)])
        await metrics?.close()
        unsubscribe()
        monitor.emit('app.stopped', { durationMs: Math.round(performance.now() - began) })
      })()
      return stopping
    },
  }
}

/** Closes a producer, giving up after `ms`: a reports topic the broker does not answer for never holds up a shutdown. */
async function closeWithin(producer: ProducerRuntime, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([producer.close(), new Promise((resolve) => (timer = setTimeout(resolve, ms).unref()))])
  clearTimeout(timer)
}

/**
 * The routes this server polls: those of the chosen groups, less the ones AWS polls (unless
 * `pollAwsRoutes`), on the backend `--backend` forces.
 * @throws ArgumentsError for an unknown group, or when nothing is left to poll.
 */
export function selectRoutes(manifest: Manifest, options: Pick<ServerOptions, 'groups' | 'backend' | 'pollAwsRoutes'>): Route[] {
  const unknown = (options.groups ?? []).filter((g) => !(g in manifest.consumerGroups))
  if (unknown.length > 0) {
    throw new ArgumentsError(
      `unknown consumer group ${unknown.map((g) => `"${g}"`).join(', ')}`,
      `the manifest has: ${Object.keys(manifest.consumerGroups).join(', ') || 'none'}`,
    )
  }
  const chosen = manifest.routes.filter((r) => !options.groups?.length || options.groups.includes(r.group))
  const routes = chosen
    .filter((r) => options.pollAwsRoutes || r.poller !== 'aws')
    .map((r) => (options.backend ? { ...r, backend: options.backend } : r))
  if (routes.length === 0 && chosen.length > 0)
    throw new ArgumentsError(
      `there is nothing to consume: AWS's event source mapping polls every route (${chosen.map((r) => `${r.group}/${r.topic}`).join(', ')})`,
      'karafka server polls routes with poller: karafka (the default); karafka dev polls every route locally',
    )
  if (routes.length === 0)
    throw new ArgumentsError(
      'there is nothing to consume: the manifest has no consumerGroups routes',
      'add a route under consumerGroups: in karafka.yml',
    )
  return routes
}

/** Local routes run in this process; lambda routes as Lambda functions. */
async function createInvoker(manifest: Manifest, routes: Route[], producer: ProducerRuntime, monitor: Monitor): Promise<Invoker> {
  const localRoutes = routes.filter((r) => r.backend === 'local')
  const local = createLocalInvoker(await loadHandlers(manifest, localRoutes), producer.sender)
  if (localRoutes.length === routes.length) return local
  if (!manifest.lambda)
    throw new KarafkaError('ARGUMENTS_INVALID', '--backend lambda needs the lambda block in karafka.yml', {
      hint: 'add lambda: { region: us-east-1, functionPrefix: my-app- }',
    })
  const { createLambdaInvoker } = await import('../invokers/lambda.js')
  const lambda = createLambdaInvoker(manifest, monitor)
  return { invoke: (request) => (request.route.backend === 'lambda' ? lambda : local).invoke(request) }
}

/** Starts the metrics listener and the HTTP endpoint when the manifest or --metrics-port asks for them. */
async function serveMetrics(
  manifest: Manifest,
  port: number | undefined,
  monitor: Monitor,
  pollers: Poller[],
  lag: { read(): Promise<PartitionLag[]>; close(): Promise<void> },
): Promise<{ url: string; registry: Registry; close(): Promise<void> } | undefined> {
  if (port === undefined && !manifest.metrics) return undefined
  const settings = metricsSchema.parse({ ...manifest.metrics, ...(port === undefined ? {} : { port }) })
  const { registry, detach } = createMetrics(monitor, { readLag: lag.read })
  try {
    const server = await startObservabilityServer({ ...settings, registry, status: () => pollers.map((p) => p.status()) })
    return {
      url: server.url,
      registry,
      close: async () => {
        detach()
        await server.close()
        await lag.close()
      },
    }
  } catch (error) {
    detach()
    throw new KarafkaError('ARGUMENTS_INVALID', `cannot serve metrics on ${settings.host}:${settings.port}: ${(error as Error).message}`, {
      cause: error,
      hint: 'choose another port with --metrics-port or metrics.port in karafka.yml (0 picks a free one)',
    })
  }
}
