import { ArgumentsError } from '../errors/index.js'
import { loadManifest } from '../manifest/index.js'
import type { Command } from './command.js'
import { table } from './table.js'

const progress = (text: string) => process.stderr.write(`${text}\n`)

export const build: Command = {
  words: ['build'],
  summary: 'bundle each lambda route with esbuild into dist/lambda/<function>/index.mjs and a reproducible zip',
  args: '[--route group/topic]',
  options: { route: { type: 'string' } },
  optionHelp: { route: 'only this lambda route' },
  async run({ values, manifestPath }) {
    const manifest = loadManifest(manifestPath)
    const { buildFunctions, lambdaRoutes } = await import('../lambda/build.js')
    const built = await buildFunctions(manifest, lambdaRoutes(manifest, values.route as string | undefined), progress)
    if (built.length === 0) process.stdout.write('no lambda routes in the manifest: nothing to build\n')
    else
      process.stdout.write(
        `${table(
          ['function', 'route', 'zip', 'bytes', 'sha256', 'changed'],
          built.map((b) => [
            b.functionName,
            `${b.route.group}/${b.route.topic}`,
            b.zip.replace(`${manifest.root}/`, ''),
            String(b.bytes),
            b.sha256,
            b.changed ? 'yes' : 'no',
          ]),
        )}\n`,
      )
    return 0
  },
}

export const lambdaServe: Command = {
  words: ['lambda', 'serve'],
  summary: 'serve the Lambda Invoke API locally for the bundles of karafka build',
  args: '[--port 3001] [--concurrency n]',
  options: { port: { type: 'string' }, concurrency: { type: 'string' }, build: { type: 'boolean' } },
  optionHelp: {
    port: 'the port (default 3001)',
    concurrency: 'concurrent invocations per function; more get 429 (default: no limit)',
    build: 'run karafka build first',
  },
  async run({ values, manifestPath }) {
    const manifest = loadManifest(manifestPath)
    const port = values.port === undefined ? 3001 : Number(values.port)
    const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency)
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ArgumentsError(`--port ${String(values.port)} is not a port`)
    if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1))
      throw new ArgumentsError(`--concurrency ${String(values.concurrency)} is not a positive integer`)
    if (values.build) {
      const { buildFunctions, lambdaRoutes } = await import('../lambda/build.js')
      await buildFunctions(manifest, lambdaRoutes(manifest), progress)
    }
    const { startLambdaServer } = await import('../lambda/serve.js')
    const server = await startLambdaServer({
      manifest,
      port,
      ...(concurrency ? { concurrency } : {}),
      onLogs: (name, lines) => {
        for (const line of lines) process.stdout.write(`[${name}] ${line}\n`)
      },
    })
    const names = manifest.routes.filter((r) => r.backend === 'lambda').map((r) => r.functionName)
    process.stdout.write(
      `Lambda Invoke API at ${server.url} for ${names.join(', ') || 'no functions'}\nexport AWS_ENDPOINT_URL_LAMBDA=${server.url}\n`,
    )
    return new Promise<number>((resolve) => {
      const stop = () => void server.close().then(() => resolve(0))
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
  },
}
