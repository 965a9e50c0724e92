import { Kafka, logLevel } from '../kafka/kafkajs.js'
import { retry } from '../retry/backoff.js'

/**
 * Resolves true once the broker at `address` answers a metadata request, false when
 * `timeoutMs` passes or `stillStarting()` turns false first.
 */
export async function waitUntilReady(address: string, timeoutMs: number, stillStarting: () => boolean = () => true): Promise<boolean> {
  const gaveUp = new Error('the broker process stopped')
  try {
    await retry(
      async () => {
        if (!stillStarting()) throw gaveUp
        if (!(await answersMetadata(address))) throw new Error('not answering yet')
      },
      { policy: READY_POLL, signal: AbortSignal.timeout(timeoutMs), isRetriable: (error) => error !== gaveUp },
    )
    return true
  } catch {
    return false
  }
}

/** Asking a starting broker: every 250 ms at first, then up to every second. */
const READY_POLL = { initialMs: 250, maxMs: 1_000, factor: 1.5 }

/** True when the broker at `address` answers a metadata request within a second or two. */
export async function answersMetadata(address: string): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'karafka-broker-check',
    brokers: [address],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 0 },
  })
  const admin = kafka.admin()
  try {
    await admin.connect()
    await admin.describeCluster()
    return true
  } catch {
    return false
  } finally {
    await admin.disconnect().catch(() => {})
  }
}
