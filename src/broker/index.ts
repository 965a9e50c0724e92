export { brokerHome } from './paths.js'
export {
  startBroker,
  stopBroker,
  readRunningState,
  freePort,
  DEFAULT_PORT,
  type BrokerState,
  type StartOptions,
  type StartResult,
} from './dev-broker.js'
export { ensureClasspath, KAFKA_VERSION, cacheDir } from './fetch.js'
export { answersMetadata, waitUntilReady } from './ready.js'
