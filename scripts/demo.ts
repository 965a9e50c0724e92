// `npm run demo`: brings up the dev broker (unless KAFKA_BROKERS names one), shows the
// example app's configuration, and stops the broker it started.
import path from 'node:path'
import { brokerHome, startBroker, stopBroker } from '../src/broker/index.js'
import { main } from '../src/cli/bin.js'

const home = brokerHome(path.resolve('.'))
let started = false
if (!process.env.KAFKA_BROKERS) {
  const broker = await startBroker({ home, onProgress: (text) => process.stderr.write(`${text}\n`) })
  started = !broker.alreadyRunning
  process.env.KAFKA_BROKERS = `127.0.0.1:${broker.port}`
  process.stdout.write(`dev broker at ${process.env.KAFKA_BROKERS} (ready in ${(broker.startMs / 1000).toFixed(1)} s)\n\n`)
}
const code = await main(['info'])
if (started) await stopBroker(home)
process.exit(code)
