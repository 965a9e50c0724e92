import { brokerStart, brokerStatus, brokerStop, brokerFetch } from './broker.js'
import { notBuilt, type Command } from './command.js'
import { codegen } from './codegen.js'
import { dev } from './dev.js'
import { info } from './info.js'
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
  notBuilt(['topics', 'plan'], 'show how the cluster differs from the manifest'),
  notBuilt(['topics', 'migrate'], 'create topics, add partitions and align configs to match the manifest'),
  notBuilt(['topics', 'list'], 'list topics, partitions and configs that differ from broker defaults'),
  notBuilt(['topics', 'reset'], "move a stopped group's offsets", '<group> <topic> --to earliest|latest|<ISO time>'),
  notBuilt(['lag'], 'committed offset, end offset and lag per partition', '[--group g]'),
  notBuilt(['produce'], 'send one event through the typed responder', '<topic> <event> <json>'),
  notBuilt(['build'], 'bundle each lambda route with esbuild into dist/lambda/<function>/'),
  notBuilt(['deploy'], 'create or update the Lambda functions, publish a version, move the alias', '[--dry-run] [--route group/topic]'),
  notBuilt(['lambda', 'serve'], 'serve the Lambda Invoke API locally for the built bundles', '[--port 3001]'),
]
