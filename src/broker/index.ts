export {
  type BrokerState,
  DEFAULT_PORT,
  freePort,
  portIsFree,
  readRunningState,
  type StartOptions,
  type StartResult,
  startBroker,
  stopBroker,
} from './dev-broker.js'
export { cacheDir, ensureClasspath, KAFKA_VERSION } from './fetch.js'
export { brokerHome } from './paths.js'
export { answersMetadata, waitUntilReady } from './ready.js'
