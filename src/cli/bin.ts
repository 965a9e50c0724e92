import { createRequire } from 'node:module'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { ArgumentsError, KarafkaError } from '../errors/index.js'
import type { Command } from './command.js'
import { COMMANDS, type CommandEntry } from './commands.js'
import { commandHelp, mainHelp } from './help.js'

const GLOBAL_OPTIONS = {
  manifest: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** Runs the CLI with `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    return await dispatch(argv)
  } catch (error) {
    return report(error, await import('../retry/kafka-errors.js'))
  }
}

async function dispatch(argv: string[]): Promise<number> {
  const version = packageVersion()
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(`${mainHelp(await Promise.all(COMMANDS.map((entry) => entry.load())), version)}\n`)
    return 0
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    process.stdout.write(`${version}\n`)
    return 0
  }
  const command = await findCommand(argv).load()
  const parsed = parseCommandLine(command, argv.slice(command.words.length))
  if (parsed.values.help) {
    process.stdout.write(`${commandHelp(command)}\n`)
    return 0
  }
  const manifest = typeof parsed.values.manifest === 'string' ? parsed.values.manifest : 'karafka.yml'
  return command.run({ values: parsed.values, positionals: parsed.positionals, manifestPath: path.resolve(manifest) })
}

/** The command's options and positional arguments. @throws ArgumentsError for options it does not take. */
function parseCommandLine(command: Command, args: string[]) {
  try {
    return parseArgs({ args, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true })
  } catch (error) {
    throw new ArgumentsError((error as Error).message.replace(/\. To specify.*$/s, ''), `see karafka ${command.words.join(' ')} --help`)
  }
}

function findCommand(argv: string[]): CommandEntry {
  const matches = COMMANDS.filter((c) => c.words.every((word, i) => argv[i] === word))
  const command = matches.sort((a, b) => b.words.length - a.words.length)[0]
  if (command) return command
  const group = COMMANDS.filter((c) => c.words[0] === argv[0])
  if (group.length > 0) {
    throw new ArgumentsError(`karafka ${argv[0]} needs a subcommand`, `one of: ${group.map((c) => c.words.slice(1).join(' ')).join(', ')}`)
  }
  throw new ArgumentsError(`unknown command "${argv[0]}"`, 'run karafka --help for the list of commands')
}

/** Prints an error as the user should see it; returns the exit code. Kafka's error classes load only when something failed. */
function report(error: unknown, { causeChain, isKafkaError, securityProblem }: typeof import('../retry/kafka-errors.js')): number {
  if (error instanceof KarafkaError) {
    process.stderr.write(`${error.format()}\n`)
    if (!error.isUserInput && process.env.KARAFKA_DEBUG && error.stack) process.stderr.write(`${error.stack}\n`)
    return error.isUserInput ? 2 : 1
  }
  const security = isKafkaError(error) ? securityProblem(error) : undefined
  if (security) {
    process.stderr.write(`Kafka: ${security.what}\n  hint: ${security.hint}\n`)
    return 1
  }
  if (isKafkaError(error)) {
    process.stderr.write(
      `Kafka: ${describeKafkaError(error, causeChain)}\n  hint: is a broker running where karafka.yml (app.brokers, KAFKA_BROKERS) points? karafka broker start, or karafka dev, starts one\n`,
    )
    return 1
  }
  process.stderr.write(`karafka: unexpected error (a bug; please report it with this trace)\n${(error as Error)?.stack ?? String(error)}\n`)
  return 1
}

/** A kafkajs error and its causes, on one line. */
function describeKafkaError(error: Error, causeChain: (error: unknown) => unknown[]): string {
  const parts: string[] = []
  for (const e of causeChain(error).slice(0, 4)) {
    const message = e instanceof Error ? e.message : ''
    if (message && !parts.includes(message)) parts.push(message)
  }
  return parts.join(': ') || error.name
}

/** The version of this package, through its own name: the same from src/ and from the compiled lib/. */
function packageVersion(): string {
  return (createRequire(import.meta.url)('karafka-ts/package.json') as { version: string }).version
}
