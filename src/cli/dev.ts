import path from 'node:path'
import { loadManifest } from '../manifest/index.js'
import { migrateOrRefuse } from './topics.js'
import type { Command } from './command.js'
import { runServerUntilSignal, SERVER_OPTION_HELP, SERVER_OPTIONS } from './run-server.js'

/** `karafka dev`: the embedded default for development. */
export const dev: Command = {
  words: ['dev'],
  summary: 'start the dev broker if none answers, migrate topics, run the server',
  options: SERVER_OPTIONS,
  optionHelp: SERVER_OPTION_HELP,
  async run({ values, manifestPath }) {
    const manifest = loadManifest(manifestPath)
    const { answersMetadata, brokerHome, startBroker } = await import('../broker/index.js')
    const first = manifest.app.brokers[0] ?? '127.0.0.1:9092'
    if (!(await answersMetadata(first))) {
      const port = Number(first.split(':').at(-1))
      const broker = await startBroker({ home: brokerHome(path.dirname(manifestPath)), port, onProgress: (text) => process.stderr.write(`${text}\n`) })
      process.stderr.write(`dev broker (Apache Kafka ${broker.version}) running at 127.0.0.1:${broker.port}\n`)
    }
    await migrateOrRefuse(manifest)
    return runServerUntilSignal(manifest, values)
  },
}
