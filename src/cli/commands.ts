import { brokerStart, brokerStatus, brokerStop, brokerFetch } from './broker.js'
import { notBuilt, type Command } from './command.js'
import { codegen } from './codegen.js'
import { dev } from './dev.js'
import { info } from './info.js'
import { lag } from './lag.js'
import { produce } from './produce.js'
import { topicsList, topicsMigrate, topicsPlan, topicsReset } from './topics.js'
import { server } from './server.js'

/** Every command of the CLI, in the order `karafka --help` lists them. */
export const COMMANDS: Command[] = [
  notBuilt(['init'], 'scaffold karafka.yml, handlers/ and package scripts'),
  codegen,
  info,
  server,
  dev,
  brokerStart,
  brokerStop,
  brokerStatus,
  brokerFetch,
  topicsPlan,
  topicsMigrate,
  topicsList,
  topicsReset,
  lag,
  produce,
  notBuilt(['build'], 'bundle each lambda route with esbuild into dist/lambda/<function>/'),
  notBuilt(['deploy'], 'create or update the Lambda functions, publish a version, move the alias', '[--dry-run] [--route group/topic]'),
  notBuilt(['lambda', 'serve'], 'serve the Lambda Invoke API locally for the built bundles', '[--port 3001]'),
]
