import type { KafkaJSError } from 'kafkajs'
import kafkajs from '../kafka/kafkajs.js'

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

/** Node's codes for a broker certificate that the client does not trust. */
const UNTRUSTED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

/**
 * What went wrong connecting, when it is the security settings and not a broker that is
 * away: the broker's certificate not trusted, the client's certificate refused, TLS against a
 * plain listener, or credentials refused. Undefined for anything else.
 */
export function securityProblem(error: unknown): { what: string; hint: string } | undefined {
  for (const e of causeChain(error)) {
    if (!(e instanceof Error)) continue
    const code = (e as { code?: unknown }).code
    if (e.name === 'KafkaJSSASLAuthenticationError')
      return {
        what: `the broker refused the credentials (${e.message})`,
        hint: 'check app.sasl: the mechanism the broker enables for this user, the username and the password',
      }
    if (typeof code === 'string' && UNTRUSTED_CERTIFICATE.has(code))
      return {
        what: `the broker's TLS certificate is not trusted (${e.message.replace(/^Connection error: /, '')})`,
        hint:
          code === 'ERR_TLS_CERT_ALTNAME_INVALID'
            ? 'the certificate is not for the host in app.brokers: connect by a name it lists'
            : "set app.ssl.ca to the CA certificate that signed the broker's (a PEM file, or its text through ${VAR})",
      }
    if (/alert (bad certificate|certificate required|unknown ca)/i.test(e.message))
      return {
        what: 'the broker refused the TLS handshake: it requires a client certificate it trusts (mutual TLS)',
        hint: 'set app.ssl.cert and app.ssl.key to a certificate signed by a CA the broker trusts',
      }
    if (/wrong version number|packet length too long|disconnected before secure TLS connection/i.test(e.message))
      return {
        what: 'the broker does not speak TLS on this port (it closed the connection before TLS was established)',
        hint: "leave app.ssl out for a plain listener, or point app.brokers at the broker's TLS port",
      }
  }
  return undefined
}
