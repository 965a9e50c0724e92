import type { Command } from './command.js'

/** A command as the CLI finds it: its words, and its module, loaded only when it runs (or for --help). */
export interface CommandEntry {
  words: string[]
  load(): Promise<Command>
}

const entry = (words: string, load: () => Promise<Command>): CommandEntry => ({ words: words.split(' '), load })

/**
 * Every command of the CLI, in the order `karafka --help` lists them. Each loads its module
 * (and what it needs: zod and yaml, kafkajs, the AWS SDK) only when it runs, so that a command
 * starts without loading every other one's libraries.
 */
export const COMMANDS: CommandEntry[] = [
  entry('init', async () => (await import('./init.js')).init),
  entry('codegen', async () => (await import('./codegen.js')).codegen),
  entry('info', async () => (await import('./info.js')).info),
  entry('server', async () => (await import('./server.js')).server),
  entry('dev', async () => (await import('./dev.js')).dev),
  entry('broker start', async () => (await import('./broker.js')).brokerStart),
  entry('broker stop', async () => (await import('./broker.js')).brokerStop),
  entry('broker status', async () => (await import('./broker.js')).brokerStatus),
  entry('broker fetch', async () => (await import('./broker.js')).brokerFetch),
  entry('topics plan', async () => (await import('./topics.js')).topicsPlan),
  entry('topics migrate', async () => (await import('./topics.js')).topicsMigrate),
  entry('topics list', async () => (await import('./topics.js')).topicsList),
  entry('topics reset', async () => (await import('./topics.js')).topicsReset),
  entry('lag', async () => (await import('./lag.js')).lag),
  entry('web', async () => (await import('./web.js')).web),
  entry('produce', async () => (await import('./produce.js')).produce),
  entry('build', async () => (await import('./lambda.js')).build),
  entry('deploy', async () => (await import('./deploy.js')).deploy),
  entry('lambda serve', async () => (await import('./lambda.js')).lambdaServe),
  entry('asyncapi', async () => (await import('./asyncapi.js')).asyncapi),
]
