import { ArgumentsError } from '../errors/index.js'
import { attachLogger, logLevelFromEnv } from '../instrumentation/logger-listener.js'
import { Monitor } from '../instrumentation/monitor.js'
import type { Manifest } from '../manifest/types.js'
import type { Options } from './command.js'

export const SERVER_OPTIONS: Options = {
  group: { type: 'string', multiple: true },
  backend: { type: 'string' },
  'log-format': { type: 'string' },
  'metrics-port': { type: 'string' },
}

export const SERVER_OPTION_HELP = {
  group: 'consume only this consumer group (repeatable)',
  backend: 'run every route on this backend: local or lambda',
  'log-format': 'text (default) or json; the level comes from KARAFKA_LOG_LEVEL',
  'metrics-port': 'serve /metrics (Prometheus), /healthz and /readyz on this port (or set metrics: in karafka.yml)',
}

/**
 * Runs the server until SIGINT or SIGTERM: the first signal stops it gracefully and the
 * process exits 0; a second one exits at once with 1.
 */
export async function runServerUntilSignal(
  manifest: Manifest,
  values: Record<string, unknown>,
  { pollAwsRoutes = false } = {},
): Promise<number> {
  const format = values['log-format'] ?? 'text'
  if (format !== 'text' && format !== 'json') throw new ArgumentsError(`--log-format ${String(format)} is not text or json`)
  const backend = values.backend
  if (backend !== undefined && backend !== 'local' && backend !== 'lambda')
    throw new ArgumentsError(`--backend ${String(backend)} is not local or lambda`)
  const metricsPort = values['metrics-port'] === undefined ? undefined : Number(values['metrics-port'])
  if (metricsPort !== undefined && !(Number.isInteger(metricsPort) && metricsPort >= 0 && metricsPort <= 65_535))
    throw new ArgumentsError(`--metrics-port ${String(values['metrics-port'])} is not a port (0 to 65535)`)
  const monitor = new Monitor()
  attachLogger(monitor, { format, level: logLevelFromEnv(), secrets: manifest.secrets })
  const { startServer } = await import('../server/server.js')
  const groups = (values.group as string[] | undefined) ?? []
  for (const route of manifest.routes.filter((r) => r.poller === 'aws' && (groups.length === 0 || groups.includes(r.group)))) {
    process.stderr.write(
      pollAwsRoutes
        ? `${route.group}/${route.topic}: AWS's event source mapping polls it on AWS; here karafka polls it and invokes ${route.functionName}\n`
        : `${route.group}/${route.topic}: left to AWS's event source mapping (poller: aws)\n`,
    )
  }
  const server = await startServer({
    pollAwsRoutes,
    manifest,
    monitor,
    groups,
    ...(backend ? { backend } : {}),
    ...(metricsPort === undefined ? {} : { metricsPort }),
  })
  return new Promise<number>((resolve) => {
    let signals = 0
    const onSignal = (signal: NodeJS.Signals) => {
      if (++signals > 1) process.exit(1)
      void server.stop(signal).then(() => resolve(0))
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    void server.crashed.then(async (error) => {
      process.stderr.write(`the consumer stopped: ${error.message}\n`)
      await server.stop()
      resolve(1)
    })
  })
}
