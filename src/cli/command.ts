import type { ParseArgsConfig } from 'node:util'

export type Options = NonNullable<ParseArgsConfig['options']>

/** What a command receives once its arguments are parsed. */
export interface CommandInput {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>
  positionals: string[]
  /** Absolute path of the manifest (`--manifest`, default ./karafka.yml). */
  manifestPath: string
}

/** One `karafka` command: its words, its help, and what it does. Returns the exit code. */
export interface Command {
  words: string[]
  summary: string
  /** Positional arguments for the usage line, e.g. `<group> <topic>`. */
  args?: string
  options?: Options
  /** Help text for each option, by option name. */
  optionHelp?: Record<string, string>
  run(input: CommandInput): Promise<number>
  /** Set for commands that are listed but not built yet. */
  notBuilt?: true
}

/** A command that is part of the CLI but not built yet: it says so and exits 1. */
export function notBuilt(words: string[], summary: string, args?: string): Command {
  return {
    words,
    summary,
    ...(args ? { args } : {}),
    notBuilt: true,
    async run() {
      process.stderr.write(`karafka ${words.join(' ')} is not built yet in this version of karafka-ts.\n`)
      return 1
    },
  }
}
