import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import type { Manifest } from '../manifest/types.js'
import { functionEnvironment } from './secrets.js'
import { Worker, type WorkerFunction } from './worker.js'

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

interface LocalFunction extends WorkerFunction {
  alias: string
  inFlight: number
  /** Warm workers waiting for an invocation. */
  idle: Worker[]
}

/**
 * Serves Lambda's Invoke REST API for the bundles `karafka build` made, like
 * `sam local start-lambda`, and answers as Lambda does (status codes, X-Amz-Function-Error,
 * the Node runtime's error JSON, Qualifier, LogType=Tail, 429 beyond the concurrency limit).
 * Invocations run in warm workers, as Lambda's execution environments: a child process per
 * concurrent invocation, with the function's memory, that loads the bundle once and is reused;
 * one that times out or crashes is replaced.
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
      idle: [],
    })
  }
  const invocations = new Map<string, number>()
  const workers = new Set<Worker>()
  let closing = false
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
    // A worker can die while idle (a timer that throws after its answer, memory): such ones are left behind.
    let worker = fn.idle.pop()
    while (worker && !worker.alive) {
      workers.delete(worker)
      worker = fn.idle.pop()
    }
    worker ??= new Worker(fn, env)
    workers.add(worker)
    try {
      const outcome = await worker.invoke(event)
      options.onLogs?.(fn.name, outcome.output.split('\n').filter(Boolean))
      invocations.set(fn.name, (invocations.get(fn.name) ?? 0) + 1)
      const headers: Record<string, string> = { 'X-Amz-Executed-Version': '$LATEST' }
      if (outcome.functionError) headers['X-Amz-Function-Error'] = outcome.functionError
      if (req.headers['x-amz-log-type'] === 'Tail')
        headers['X-Amz-Log-Result'] = outcome.logs.subarray(Math.max(0, outcome.logs.length - LOG_TAIL_BYTES)).toString('base64')
      return send(res, 200, headers, outcome.payload)
    } finally {
      fn.inFlight--
      if (worker.alive && !closing) fn.idle.push(worker)
      else workers.delete(worker)
    }
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 3001, options.host ?? '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    invocations,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true
        server.close(() => resolve())
        for (const worker of workers) worker.stop()
        server.closeAllConnections()
      }),
  }
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
