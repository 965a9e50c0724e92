import { brokerFetch, brokerStart, brokerStatus, brokerStop } from './broker.js'
import { codegen } from './codegen.js'
import type { Command } from './command.js'
import { deploy } from './deploy.js'
import { dev } from './dev.js'
import { info } from './info.js'
import { init } from './init.js'
import { lag } from './lag.js'
import { build, lambdaServe } from './lambda.js'
import { produce } from './produce.js'
import { server } from './server.js'
import { topicsList, topicsMigrate, topicsPlan, topicsReset } from './topics.js'
import { web } from './web.js'

/** Every command of the CLI, in the order `karafka --help` lists them. */
export const COMMANDS: Command[] = [
  init,
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
  web,
  produce,
  build,
  deploy,
  lambdaServe,
]
