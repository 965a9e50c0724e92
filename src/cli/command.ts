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
}
