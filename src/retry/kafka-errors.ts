import kafkajs, { type KafkaJSError } from 'kafkajs'

// kafkajs is CommonJS and spreads its error classes into its exports, which Node cannot see as named exports.
const { KafkaJSBrokerNotFound, KafkaJSConnectionError, KafkaJSGroupCoordinatorNotFound } = kafkajs

/** An error and its causes, outermost first (at most 8, whatever a library chains). */
export function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = []
  for (
    let e: unknown = error;
    e !== undefined && e !== null && chain.length < 8 && !chain.includes(e);
    e = (e as { cause?: unknown }).cause
  )
    chain.push(e)
  return chain
}

/** True for errors of kafkajs (its own KafkaJSError classes). */
export function isKafkaError(error: unknown): error is KafkaJSError {
  return error instanceof kafkajs.KafkaJSError
}

/**
 * True when Kafka may answer if asked again: kafkajs marks such errors `retriable`, here or
 * in a cause (it wraps the last one when its own retries run out). Its classes for a broker
 * that cannot be reached count too: kafkajs marks some of them final (no group coordinator
 * after its retries), but the broker may be back in a minute.
 */
export function isRetriableKafkaError(error: unknown): boolean {
  return causeChain(error).some(
    (e) =>
      (e instanceof kafkajs.KafkaJSError && e.retriable) ||
      e instanceof KafkaJSConnectionError ||
      e instanceof KafkaJSGroupCoordinatorNotFound ||
      e instanceof KafkaJSBrokerNotFound,
  )
}

/** True when no broker could be reached at all (as opposed to a broker that answered with an error). */
export function isKafkaUnreachable(error: unknown): boolean {
  return causeChain(error).some((e) => e instanceof KafkaJSConnectionError || e instanceof KafkaJSBrokerNotFound)
}
