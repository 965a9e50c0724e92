import { type ChildProcess, fork } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'

const CHILD = fileURLToPath(new URL('./child-runtime.mjs', import.meta.url))
/** How long the parent waits for an invocation's last log lines after its answer (they travel on other pipes). */
const LOG_GRACE_MS = 1_000

/** The function a worker runs: its bundle, timeout and memory. */
export interface WorkerFunction {
  name: string
  bundle: string
  timeoutMs: number
  memoryMb: number
}

/** One invocation's outcome, as Lambda's Invoke API answers it. */
export interface Outcome {
  payload: unknown
  functionError: 'Unhandled' | undefined
  /** The invocation's log, with Lambda's START, END and REPORT lines. */
  logs: Buffer
  /** What the function printed during the invocation. */
  output: string
}

interface Invocation {
  requestId: string
  marker: string
  started: number
  reply: { payload: unknown; functionError: Outcome['functionError'] } | undefined
  done: { stdout: boolean; stderr: boolean }
  resolve(outcome: Outcome): void
  timer: NodeJS.Timeout
  grace?: NodeJS.Timeout
}

/**
 * A warm execution environment of a function, as Lambda keeps them: one child process that
 * imports the bundle once and runs invocations one at a time. A timeout or a crash ends the
 * process (the next invocation gets a new one); a handler error does not.
 */
export class Worker {
  private readonly child: ChildProcess
  private current: Invocation | undefined
  private readonly text = { stdout: '', stderr: '' }
  private exited = false

  constructor(
    private readonly fn: WorkerFunction,
    env: NodeJS.ProcessEnv,
  ) {
    this.child = fork(CHILD, [], {
      execArgv: [`--max-old-space-size=${fn.memoryMb}`],
      env: { ...env, AWS_LAMBDA_FUNCTION_NAME: fn.name, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    this.child.stdout!.on('data', (chunk: Buffer) => this.onOutput('stdout', chunk))
    this.child.stderr!.on('data', (chunk: Buffer) => this.onOutput('stderr', chunk))
    this.child.on('message', (message: { requestId: string; ok: boolean; result?: unknown; error?: unknown }) => {
      const invocation = this.current
      if (!invocation || message.requestId !== invocation.requestId) return
      invocation.reply = message.ok
        ? { payload: message.result ?? null, functionError: undefined }
        : { payload: message.error, functionError: 'Unhandled' }
      invocation.grace = setTimeout(() => this.finish(invocation.reply!), LOG_GRACE_MS)
      this.finishWhenLogged()
    })
    this.child.on('exit', (code, signal) => {
      this.exited = true
      const invocation = this.current
      if (!invocation) return
      this.finish({
        payload: {
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: ${invocation.requestId} Error: Runtime exited with error: ${signal ?? `exit status ${code}`}`,
        },
        functionError: 'Unhandled',
      })
    })
  }

  /** False once the process is gone (it crashed, timed out or was stopped): such a worker takes no more invocations. */
  get alive(): boolean {
    return !this.exited
  }

  /** Runs one invocation; resolves with its outcome, never rejects. */
  invoke(event: unknown): Promise<Outcome> {
    return new Promise((resolve) => {
      const requestId = randomUUID()
      const exitError = () => ({
        payload: { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: Runtime exited before the invocation` },
        functionError: 'Unhandled' as const,
      })
      const started = Date.now()
      const timer = setTimeout(() => {
        this.stop()
        this.finish({
          payload: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `${new Date().toISOString()} ${requestId} Task timed out after ${(this.fn.timeoutMs / 1000).toFixed(2)} seconds`,
          },
          functionError: 'Unhandled',
        })
      }, this.fn.timeoutMs)
      const marker = `\u0000karafka-invocation-end ${requestId}\n`
      this.current = { requestId, marker, started, reply: undefined, done: { stdout: false, stderr: false }, resolve, timer }
      if (this.exited) return this.finish(exitError())
      this.finishWhenLogged() // output printed between invocations belongs to this one
      const message = { bundle: this.fn.bundle, event, deadline: started + this.fn.timeoutMs, functionName: this.fn.name, requestId }
      // A process that went away meanwhile reports through its exit; a send that fails ends it.
      this.child.send({ ...message, marker: marker.slice(0, -1) }, (error) => {
        if (!error) return
        this.stop()
        this.finish(exitError())
      })
    })
  }

  /** Ends the process (it timed out, or karafka lambda serve is closing); the worker takes no more invocations. */
  stop(): void {
    if (this.exited) return
    this.exited = true
    this.child.kill('SIGKILL')
  }

  private onOutput(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    this.text[stream] += chunk.toString('utf8')
    this.finishWhenLogged()
  }

  /** Once the answer came and both streams showed the invocation's end marker, the invocation is over. */
  private finishWhenLogged(): void {
    const invocation = this.current
    if (!invocation) return
    for (const stream of ['stdout', 'stderr'] as const) {
      if (!invocation.done[stream] && this.text[stream].includes(invocation.marker)) invocation.done[stream] = true
    }
    if (invocation.reply && invocation.done.stdout && invocation.done.stderr) this.finish(invocation.reply)
  }

  private finish(reply: { payload: unknown; functionError: Outcome['functionError'] }): void {
    const invocation = this.current
    if (!invocation) return
    this.current = undefined
    clearTimeout(invocation.timer)
    clearTimeout(invocation.grace)
    // What came before each stream's marker is this invocation's; what came after waits for the next.
    const take = (stream: 'stdout' | 'stderr') => {
      const at = this.text[stream].indexOf(invocation.marker)
      const mine = at < 0 ? this.text[stream] : this.text[stream].slice(0, at)
      this.text[stream] = at < 0 ? '' : this.text[stream].slice(at + invocation.marker.length)
      return mine
    }
    const output = take('stdout') + take('stderr')
    const { requestId, started } = invocation
    const report = `START RequestId: ${requestId}\n${output}END RequestId: ${requestId}\nREPORT RequestId: ${requestId}\tDuration: ${Date.now() - started} ms\tMemory Size: ${this.fn.memoryMb} MB\n`
    invocation.resolve({ ...reply, logs: Buffer.from(report), output })
  }
}
