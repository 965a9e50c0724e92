import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'

export interface ExecResult {
  code: number
  stdout: string
  stderr: string
  ms: number
}

/** The environment of a command run as a user would, with this process's Node first on PATH (npm and npx use it). */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // Not what a user's terminal has: the suite's Lambda endpoint, Node options, and the test runner's own marker.
  const { AWS_ENDPOINT_URL_LAMBDA: _endpoint, NODE_OPTIONS: _options, NODE_TEST_CONTEXT: _context, ...env } = process.env
  return { ...env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`, ...extra }
}

/** Runs a command to its end; never rejects for a non-zero exit (the caller asserts on `code`). */
export function exec(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const began = performance.now()
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? userEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? 1, stdout, stderr, ms: performance.now() - began })
    })
  })
}

/** A long-running command whose output is collected as it comes. */
export function start(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): { child: ChildProcess; output: () => { stdout: string; stderr: string }; exited: Promise<number | null> } {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? userEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk))
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  return { child, output: () => ({ stdout, stderr }), exited }
}
