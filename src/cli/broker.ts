import path from 'node:path'
import { KAFKA_VERSION } from '../broker/fetch.js'
import { brokerHome } from '../broker/paths.js'
import { ArgumentsError } from '../errors/index.js'
import type { Command, CommandInput } from './command.js'

const home = (input: CommandInput) => brokerHome(path.dirname(input.manifestPath))
const progress = (text: string) => process.stderr.write(`${text}\n`)
/** The broker module (and kafkajs) load only when a broker command runs. */
const broker = () => import('../broker/index.js')

export const brokerStart: Command = {
  words: ['broker', 'start'],
  summary: `start the dev broker: Apache Kafka ${KAFKA_VERSION} (KRaft, one node) on Java 17+, data in .karafka/broker`,
  args: '[--port 9092] [--secure]',
  options: { port: { type: 'string' }, fresh: { type: 'boolean' }, secure: { type: 'boolean' } },
  optionHelp: {
    port: 'the port to listen on (default 9092)',
    fresh: 'delete the broker data first',
    secure: 'also listen with TLS: SASL_SSL (PLAIN, SCRAM, OAUTHBEARER) on port + 1, mutual TLS on port + 2, with a dev CA',
  },
  async run(input) {
    const port = input.values.port === undefined ? undefined : parsePort(String(input.values.port))
    const { startBroker } = await broker()
    const result = await startBroker({
      home: home(input),
      ...(port ? { port } : {}),
      fresh: input.values.fresh === true,
      secure: input.values.secure === true,
      onProgress: progress,
    })
    const where = `127.0.0.1:${result.port}`
    process.stdout.write(
      result.alreadyRunning
        ? `dev broker already running at ${where} (pid ${result.pid})\n`
        : `dev broker (Apache Kafka ${result.version}) running at ${where} (pid ${result.pid}), ready in ${(result.startMs / 1000).toFixed(1)} s\n`,
    )
    if (result.port !== 9092) process.stdout.write(`export KAFKA_BROKERS=${where}\n`)
    if (result.secure) await printSecure(input, result.port)
    return 0
  },
}

export const brokerStop: Command = {
  words: ['broker', 'stop'],
  summary: 'stop the dev broker',
  async run(input) {
    const { stopBroker } = await broker()
    const state = await stopBroker(home(input))
    process.stdout.write(state ? `dev broker at 127.0.0.1:${state.port} stopped\n` : 'dev broker is not running\n')
    return 0
  },
}

export const brokerStatus: Command = {
  words: ['broker', 'status'],
  summary: 'say whether the dev broker runs, and where (exit 1 when it does not)',
  async run(input) {
    const { readRunningState, answersMetadata } = await broker()
    const state = readRunningState(home(input))
    if (!state) {
      process.stdout.write('dev broker is not running\n')
      return 1
    }
    const where = `127.0.0.1:${state.port}`
    const answers = await answersMetadata(where)
    process.stdout.write(
      `dev broker (Apache Kafka ${state.version}) ${answers ? 'running' : 'started but not answering'} at ${where} (pid ${state.pid}, since ${state.startedAt})\n`,
    )
    if (state.secure) await printSecure(input, state.port)
    return answers ? 0 : 1
  },
}

export const brokerFetch: Command = {
  words: ['broker', 'fetch'],
  summary: `fetch the dev broker's jars with Maven without starting it`,
  async run() {
    const { ensureClasspath, cacheDir } = await broker()
    const classpath = await ensureClasspath(progress)
    process.stdout.write(
      `Apache Kafka ${KAFKA_VERSION}: ${classpath.split(path.delimiter).length} jars ready (classpath in ${cacheDir()})\n`,
    )
    return 0
  },
}

function parsePort(text: string): number {
  const port = Number(text)
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new ArgumentsError(`--port ${text} is not a port`, 'give a number from 1 to 65535')
  return port
}

/** How to connect to the secured listeners of the running dev broker. */
async function printSecure(input: CommandInput, port: number): Promise<void> {
  const { readSecure, describeSecure } = await import('../broker/secure.js')
  const setup = readSecure(home(input), port)
  if (setup) process.stdout.write(`secured listeners:\n${describeSecure(setup, path.dirname(input.manifestPath))}\n`)
}
