import { loadManifest } from '../manifest/index.js'
import type { Command } from './command.js'
import { runServerUntilSignal, SERVER_OPTION_HELP, SERVER_OPTIONS } from './run-server.js'

/** `karafka server`. */
export const server: Command = {
  words: ['server'],
  summary: 'run the poller: consumer groups, batches, handlers, commits',
  args: '[--group g]... [--backend local|lambda] [--metrics-port 9464]',
  options: SERVER_OPTIONS,
  optionHelp: SERVER_OPTION_HELP,
  async run({ values, manifestPath }) {
    return runServerUntilSignal(loadManifest(manifestPath), values)
  },
}
