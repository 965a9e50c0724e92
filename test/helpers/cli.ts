import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { main } from '../../src/cli/bin.js'

export const BIN = fileURLToPath(new URL('../../bin/karafka.js', import.meta.url))

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs the karafka CLI as a user would, in `cwd`; kills it after `timeoutMs` when given. Any
 * output holding the suite's canary secret (KARAFKA_CANARY_SECRET, set by npm test) fails.
 */
export function karafka(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      const canary = process.env.KARAFKA_CANARY_SECRET
      if (canary && (stdout + stderr).includes(canary))
        return reject(new Error(`karafka ${args.join(' ')} printed the canary secret:\n${stdout}${stderr}`))
      resolve({ code: code ?? 1, stdout, stderr })
    })
  })
}

/** Runs the CLI in this process (fast, for many runs), capturing what it prints. */
export async function karafkaInProcess(argv: string[]): Promise<CliResult> {
  const out = { stdout: '', stderr: '' }
  const [stdoutWrite, stderrWrite] = [process.stdout.write, process.stderr.write]
  const capture = (stream: 'stdout' | 'stderr') =>
    ((chunk: string | Uint8Array) => {
      out[stream] += chunk.toString()
      return true
    }) as typeof process.stdout.write
  process.stdout.write = capture('stdout')
  process.stderr.write = capture('stderr')
  try {
    return { code: await main(argv), ...out }
  } finally {
    process.stdout.write = stdoutWrite
    process.stderr.write = stderrWrite
  }
}
