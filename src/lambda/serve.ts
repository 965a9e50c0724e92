import { fork } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Manifest } from '../manifest/types.js'
import { functionEnvironment } from './secrets.js'

const CHILD = fileURLToPath(new URL('./child-runtime.mjs', import.meta.url))
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/
const LOG_TAIL_BYTES = 4096

export interface ServeOptions {
  manifest: Manifest
  port?: number
  host?: string
  /** Concurrent invocations per function, like reserved concurrency; beyond it, 429. */
  concurrency?: number
  /** Extra environment for the functions (the manifest's lambda.environment always applies). */
  env?: NodeJS.ProcessEnv
  /** Called with each invocation's log lines (what the function printed), like sam local shows them. */
  onLogs?: (functionName: string, lines: string[]) => void
}

export interface LambdaServer {
  url: string
  port: number
  /** Invocations answered, by function. */
  invocations: Map<string, number>
  close(): Promise<void>
}

interface LocalFunction {
  name: string
  bundle: string
  timeoutMs: number
  memoryMb: number
  alias: string
  inFlight: number
}

/**
 * Serves Lambda's Invoke REST API for the bundles `karafka build` made, like
 * `sam local start-lambda`: each invocation runs in a child process with the function's
 * timeout and memory, and answers as Lambda does (status codes, X-Amz-Function-Error,
 * the Node runtime's error JSON, Qualifier, LogType=Tail, 429 beyond the concurrency limit).
 */
export async function startLambdaServer(options: ServeOptions): Promise<LambdaServer> {
  const { manifest } = options
  const lambda = manifest.lambda
  const functions = new Map<string, LocalFunction>()
  for (const route of manifest.routes) {
    if (route.backend !== 'lambda' || !route.functionName || !lambda) continue
    const bundle = path.join(manifest.root, 'dist', 'lambda', route.functionName, 'index.mjs')
    functions.set(route.functionName, {
      name: route.functionName,
      bundle,
      timeoutMs: lambda.timeout * 1000,
      memoryMb: lambda.memorySize,
      alias: lambda.alias,
      inFlight: 0,
    })
  }
  const invocations = new Map<string, number>()
  const limit = options.concurrency ?? Number.POSITIVE_INFINITY
  const env = {
    ...process.env,
    ...options.env,
    ...(lambda ? functionEnvironment(lambda) : {}),
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const match = INVOKE_PATH.exec(url.pathname)
    if (req.method !== 'POST' || !match) return error(res, 404, 'UnrecognizedClientException', `no route for ${req.method} ${url.pathname}`)
    const [name, inlineQualifier] = decodeURIComponent(match[1]!)
      .replace(/^arn:aws:lambda:[^:]+:\d+:function:/, '')
      .split(':')
    const qualifier = url.searchParams.get('Qualifier') ?? inlineQualifier
    const fn = functions.get(name!)
    if (!fn || !existsSync(fn.bundle)) {
      return error(res, 404, 'ResourceNotFoundException', `Function not found: ${name}${fn ? ' (not built: run karafka build)' : ''}`)
    }
    if (qualifier && qualifier !== fn.alias && qualifier !== '$LATEST')
      return error(res, 404, 'ResourceNotFoundException', `Function not found: ${name}:${qualifier}`)
    const body = await readBody(req)
    if (fn.inFlight >= limit) {
      return send(
        res,
        429,
        { 'x-amzn-ErrorType': 'TooManyRequestsException' },
        { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', Type: 'User', message: 'Rate Exceeded.' },
      )
    }
    let event: unknown
    try {
      event = JSON.parse(body.toString('utf8') || 'null')
    } catch {
      return error(res, 400, 'InvalidRequestContentException', 'Could not parse request body into json')
    }
    fn.inFlight++
    try {
      const outcome = await runInChild(fn, event, env)
      options.onLogs?.(fn.name, outcome.output.split('\n').filter(Boolean))
      invocations.set(fn.name, (invocations.get(fn.name) ?? 0) + 1)
      const headers: Record<string, string> = { 'X-Amz-Executed-Version': '$LATEST' }
      if (outcome.functionError) headers['X-Amz-Function-Error'] = outcome.functionError
      if (req.headers['x-amz-log-type'] === 'Tail')
        headers['X-Amz-Log-Result'] = outcome.logs.subarray(Math.max(0, outcome.logs.length - LOG_TAIL_BYTES)).toString('base64')
      return send(res, 200, headers, outcome.payload)
    } finally {
      fn.inFlight--
    }
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 3001, options.host ?? '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    invocations,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

interface Outcome {
  payload: unknown
  functionError: 'Unhandled' | undefined
  /** The invocation's log, with Lambda's START, END and REPORT lines. */
  logs: Buffer
  /** What the function printed. */
  output: string
}

function runInChild(fn: LocalFunction, event: unknown, env: NodeJS.ProcessEnv): Promise<Outcome> {
  return new Promise((resolve) => {
    const requestId = randomUUID()
    const started = Date.now()
    const chunks: Buffer[] = []
    const child = fork(CHILD, [], {
      execArgv: [`--max-old-space-size=${fn.memoryMb}`],
      env: { ...env, AWS_LAMBDA_FUNCTION_NAME: fn.name, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.stderr!.on('data', (chunk: Buffer) => chunks.push(chunk))
    let settled = false
    const finish = (outcome: Omit<Outcome, 'logs' | 'output'>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      const output = Buffer.concat(chunks).toString('utf8')
      const report = `START RequestId: ${requestId}\n${output}END RequestId: ${requestId}\nREPORT RequestId: ${requestId}\tDuration: ${Date.now() - started} ms\tMemory Size: ${fn.memoryMb} MB\n`
      resolve({ ...outcome, logs: Buffer.from(report), output })
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      finish({
        payload: {
          errorType: 'Sandbox.Timedout',
          errorMessage: `${new Date().toISOString()} ${requestId} Task timed out after ${(fn.timeoutMs / 1000).toFixed(2)} seconds`,
        },
        functionError: 'Unhandled',
      })
    }, fn.timeoutMs)
    child.on('message', (reply: { ok: boolean; result?: unknown; error?: unknown }) => {
      finish(reply.ok ? { payload: reply.result ?? null, functionError: undefined } : { payload: reply.error, functionError: 'Unhandled' })
    })
    child.on('close', (code, signal) => {
      finish({
        payload: {
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: ${signal ?? `exit status ${code}`}`,
        },
        functionError: 'Unhandled',
      })
    })
    child.send({ bundle: fn.bundle, event, deadline: started + fn.timeoutMs, functionName: fn.name, requestId })
  })
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function send(res: http.ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json', 'x-amzn-RequestId': randomUUID(), ...headers })
  res.end(text)
}

function error(res: http.ServerResponse, status: number, type: string, message: string): void {
  send(res, status, { 'x-amzn-ErrorType': type }, { Type: 'User', message })
}
