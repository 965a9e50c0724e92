import { spawn, spawnSync } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { KarafkaError } from '../errors/index.js'
import { type BrokerLayout, log4jProperties, newClusterId, serverProperties } from './config.js'
import { ensureClasspath, KAFKA_VERSION } from './fetch.js'
import { requireJava } from './prerequisites.js'
import { waitUntilReady } from './ready.js'
import {
  createScramUser,
  hasScramUser,
  markSecure,
  noteScramUser,
  prepareSecure,
  type SecureSetup,
  scramAtFormat,
  secureProperties,
} from './secure.js'

export const DEFAULT_PORT = 9092
const START_TIMEOUT_MS = 90_000
const STOP_TIMEOUT_MS = 30_000

/** What a running dev broker wrote about itself in `<home>/state.json`. */
export interface BrokerState {
  pid: number
  port: number
  controllerPort: number
  version: string
  startedAt: string
  /** Started with the secured listeners (SASL_SSL on port + 1, mutual TLS on port + 2). */
  secure?: boolean
}

export interface StartOptions {
  /** Directory of the broker's data, logs and state; `.karafka/broker` of the project. */
  home: string
  port?: number
  /** Wipe the data first (test runs start from an empty cluster). */
  fresh?: boolean
  /** Add the secured listeners: SASL_SSL (PLAIN, SCRAM, OAUTHBEARER) on port + 1 and mutual TLS on port + 2. */
  secure?: boolean
  onProgress?: (text: string) => void
}

export interface StartResult extends BrokerState {
  alreadyRunning: boolean
  /** How to reach the secured listeners, when started secured. */
  secureSetup?: SecureSetup
  /** Milliseconds from the call to the first answered metadata request. */
  startMs: number
}

/**
 * Starts a single-node Apache Kafka (KRaft) in the background and resolves once it answers
 * a metadata request. Fetches the jars and formats the storage the first time.
 * @throws KarafkaError when Java or Maven is missing, the port is taken, or the broker does not come up.
 */
export async function startBroker(options: StartOptions): Promise<StartResult> {
  const began = Date.now()
  const { home, onProgress = () => {} } = options
  const running = readRunningState(home)
  if (running) {
    if (options.port !== undefined && options.port !== running.port) {
      throw new KarafkaError('BROKER_START_FAILED', `the dev broker already runs on port ${running.port}`, {
        hint: `stop it first (karafka broker stop) to start it on port ${options.port}`,
      })
    }
    if (options.secure === true && !running.secure) {
      throw new KarafkaError('BROKER_START_FAILED', 'the dev broker already runs without its secured listeners', {
        hint: 'stop it first (karafka broker stop), then karafka broker start --secure',
      })
    }
    return { ...running, alreadyRunning: true, startMs: Date.now() - began }
  }
  requireJava()
  const port = options.port ?? DEFAULT_PORT
  await requireFreePort(port)
  const classpath = await ensureClasspath(onProgress)
  if (options.fresh) rmSync(path.join(home, 'data'), { recursive: true, force: true })
  mkdirSync(home, { recursive: true })
  const secure = options.secure ? prepareSecure(home, port, classpath, onProgress) : undefined
  if (secure) for (const securedPort of [secure.saslPort, secure.mtlsPort]) await requireFreePort(securedPort)
  const layout: BrokerLayout = {
    home,
    dataDir: path.join(home, 'data'),
    logDir: path.join(home, 'logs'),
    port,
    controllerPort: await freePort(),
  }
  mkdirSync(layout.logDir, { recursive: true })
  const propertiesFile = path.join(home, 'server.properties')
  writeFileSync(
    propertiesFile,
    serverProperties(layout, secure && { saslPort: secure.saslPort, mtlsPort: secure.mtlsPort, properties: secureProperties(secure) }),
  )
  writeFileSync(path.join(home, 'log4j.properties'), log4jProperties(layout))
  const fullClasspath = secure?.validatorClasses ? `${classpath}${path.delimiter}${secure.validatorClasses}` : classpath
  writeFileSync(path.join(home, 'jvm.args'), `-cp ${fullClasspath}\n`)
  const jvm = [
    `@${path.join(home, 'jvm.args')}`,
    `-Dlog4j.configuration=file:${path.join(home, 'log4j.properties')}`,
    `-Dkafka.logs.dir=${layout.logDir}`,
  ]
  if (!existsSync(path.join(layout.dataDir, 'meta.properties'))) {
    onProgress('formatting storage (first start)...')
    const format = spawnSync(
      'java',
      [
        ...jvm,
        'kafka.tools.StorageTool',
        'format',
        `--cluster-id=${newClusterId()}`,
        '--config',
        propertiesFile,
        ...(secure ? scramAtFormat(secure) : []),
      ],
      { encoding: 'utf8' },
    )
    if (format.status !== 0) {
      throw new KarafkaError('BROKER_START_FAILED', `formatting the broker storage failed:\n${format.stdout}${format.stderr}`)
    }
    if (secure) noteScramUser(layout.dataDir, secure)
  }
  const out = openSync(path.join(layout.logDir, 'stdout.log'), 'a')
  const child = spawn('java', ['-Xms128m', '-Xmx512m', '-XX:+UseG1GC', '-Djava.awt.headless=true', ...jvm, 'kafka.Kafka', propertiesFile], {
    detached: true,
    stdio: ['ignore', out, out],
  })
  closeSync(out)
  child.unref()
  const pid = child.pid
  if (pid === undefined) throw new KarafkaError('BROKER_START_FAILED', 'the broker process could not be started')
  const state: BrokerState = {
    pid,
    port,
    controllerPort: layout.controllerPort,
    version: KAFKA_VERSION,
    startedAt: new Date().toISOString(),
    ...(secure ? { secure: true } : {}),
  }
  writeFileSync(path.join(home, 'state.json'), `${JSON.stringify(state, null, 2)}\n`)
  onProgress(`waiting for the broker on 127.0.0.1:${port}...`)
  const ready = await waitUntilReady(`127.0.0.1:${port}`, START_TIMEOUT_MS, () => isAlive(pid))
  if (!ready) {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL')
    rmSync(path.join(home, 'state.json'), { force: true })
    throw new KarafkaError('BROKER_START_FAILED', `the broker did not come up; the end of its log:\n${logTail(layout.logDir)}`, {
      hint: `the full log is ${path.join(layout.logDir, 'server.log')}`,
    })
  }
  if (secure && !hasScramUser(layout.dataDir, secure)) {
    onProgress('creating the SCRAM user...')
    try {
      createScramUser(jvm, port, secure, layout.dataDir)
    } catch (error) {
      await stopBroker(home)
      throw error
    }
  }
  markSecure(home, secure !== undefined)
  return { ...state, alreadyRunning: false, startMs: Date.now() - began, ...(secure ? { secureSetup: secure } : {}) }
}

/**
 * Stops the dev broker (SIGTERM, then SIGKILL after 30 s) and waits until it is gone.
 * Resolves with the state it had, or undefined when none was running.
 */
export async function stopBroker(home: string): Promise<BrokerState | undefined> {
  const state = readRunningState(home)
  rmSync(path.join(home, 'state.json'), { force: true })
  if (!state) return undefined
  process.kill(state.pid, 'SIGTERM')
  const deadline = Date.now() + STOP_TIMEOUT_MS
  while (isAlive(state.pid) && Date.now() < deadline) await sleep(100)
  if (isAlive(state.pid)) process.kill(state.pid, 'SIGKILL')
  while (isAlive(state.pid)) await sleep(50)
  return state
}

/** The state of the dev broker of `home` when its process is alive, else undefined. */
export function readRunningState(home: string): BrokerState | undefined {
  const file = path.join(home, 'state.json')
  if (!existsSync(file)) return undefined
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as BrokerState
    return isAlive(state.pid) ? state : undefined
  } catch {
    return undefined
  }
}

/** True when `pid` is a live Kafka broker process (not a zombie, nor another process that reused the pid). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  if (!existsSync(`/proc/${pid}`)) return true // no procfs: trust the signal check
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0]
    return state !== 'Z' && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.Kafka')
  } catch {
    return false
  }
}

/** True when nothing listens on `port` of 127.0.0.1 right now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

async function requireFreePort(port: number): Promise<void> {
  if (!(await portIsFree(port))) {
    throw new KarafkaError('BROKER_PORT_IN_USE', `port ${port} is already in use`, {
      hint: 'another Kafka may already run there (then set KAFKA_BROKERS to it), or start on another port: karafka broker start --port 19092',
    })
  }
}

/** A port the operating system considers free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

function logTail(logDir: string): string {
  const lines: string[] = []
  for (const name of ['server.log', 'stdout.log']) {
    const file = path.join(logDir, name)
    if (existsSync(file)) lines.push(...readFileSync(file, 'utf8').trim().split('\n').slice(-10))
  }
  return lines.join('\n') || '(no log was written)'
}
