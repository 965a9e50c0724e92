import path from 'node:path'
import { loadManifest } from '../manifest/index.js'
import type { Command } from './command.js'
import { runServerUntilSignal, SERVER_OPTION_HELP, SERVER_OPTIONS } from './run-server.js'
import { migrateOrRefuse } from './topics.js'

/** `karafka dev`: the embedded default for development. */
export const dev: Command = {
  words: ['dev'],
  summary: 'regenerate the code, start the dev broker if none answers, migrate topics, serve lambda routes locally, run the server',
  options: SERVER_OPTIONS,
  optionHelp: SERVER_OPTION_HELP,
  async run({ values, manifestPath }) {
    const manifest = loadManifest(manifestPath)
    // dev regenerates by itself: the code always matches the manifest it runs.
    const { runCodegen } = await import('../../generator/main.js')
    const generated = runCodegen({ manifestPath })
    for (const file of generated.write)
      process.stderr.write(`codegen: ${file.kind === 'stub' ? 'created' : 'wrote'} ${path.relative(process.cwd(), file.path)}\n`)
    const { answersMetadata, brokerHome, startBroker } = await import('../broker/index.js')
    const first = manifest.app.brokers[0] ?? '127.0.0.1:9092'
    // A plain dev broker cannot stand in for a secured cluster: with ssl or sasl set, connect as set (errors say what refuses).
    const secured = manifest.app.ssl !== false || manifest.app.sasl !== undefined
    if (!secured && !(await answersMetadata(first))) {
      const port = Number(first.split(':').at(-1))
      const broker = await startBroker({
        home: brokerHome(path.dirname(manifestPath)),
        port,
        onProgress: (text) => process.stderr.write(`${text}\n`),
      })
      process.stderr.write(`dev broker (Apache Kafka ${broker.version}) running at 127.0.0.1:${broker.port}\n`)
    }
    await migrateOrRefuse(manifest)
    // Lambda routes run locally too, unless AWS_ENDPOINT_URL_LAMBDA already points somewhere.
    const lambdaRoutes = manifest.routes.filter((r) => r.backend === 'lambda')
    if (lambdaRoutes.length > 0 && values.backend !== 'local' && !process.env.AWS_ENDPOINT_URL_LAMBDA) {
      const { buildFunctions } = await import('../lambda/build.js')
      const { startLambdaServer } = await import('../lambda/serve.js')
      await buildFunctions(manifest, lambdaRoutes, (text) => process.stderr.write(`${text}\n`))
      const lambda = await startLambdaServer({
        manifest,
        port: 0,
        onLogs: (name, lines) => {
          for (const line of lines) process.stdout.write(`[${name}] ${line}\n`)
        },
      })
      process.env.AWS_ENDPOINT_URL_LAMBDA = lambda.url
      process.stderr.write(`lambda routes run through the local Invoke API at ${lambda.url}\n`)
    }
    // There is no AWS event source mapping here: dev polls the routes AWS polls in production too.
    return runServerUntilSignal(manifest, values, { pollAwsRoutes: true })
  },
}
