import type { Command } from './command.js'

const GLOBAL_HELP = [
  ['--manifest <path>', 'the manifest (default ./karafka.yml)'],
  ['--help', 'show help'],
]

/** `karafka --help`: every command with its summary. */
export function mainHelp(commands: Command[], version: string): string {
  const width = Math.max(...commands.map((c) => usageOf(c).length))
  const lines = commands.map((c) => `  ${usageOf(c).padEnd(width)}  ${c.summary}`)
  return [
    `karafka ${version}: Kafka consumers and responders from one manifest, in process or on AWS Lambda`,
    '',
    'Usage: karafka <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Options on every command:',
    ...GLOBAL_HELP.map(([flag, text]) => `  ${flag!.padEnd(18)}  ${text}`),
    '',
    'Exit codes: 0 success, 1 failure at run time, 2 bad manifest, arguments or input.',
  ].join('\n')
}

/** `karafka <command> --help`. */
export function commandHelp(command: Command): string {
  const options = Object.entries(command.options ?? {}).map(([name, option]) => {
    const flag = `--${name}${option.type === 'string' ? ' <value>' : ''}`
    return `  ${flag.padEnd(18)}  ${command.optionHelp?.[name] ?? ''}`
  })
  return [
    `Usage: karafka ${usageOf(command)}`,
    '',
    command.summary,
    '',
    'Options:',
    ...options,
    ...GLOBAL_HELP.map(([flag, text]) => `  ${flag!.padEnd(18)}  ${text}`),
  ].join('\n')
}

function usageOf(command: Command): string {
  return [...command.words, command.args ?? ''].join(' ').trim()
}
