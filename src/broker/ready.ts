import { setTimeout as sleep } from 'node:timers/promises'
import { Kafka, logLevel } from 'kafkajs'
import { fixRequestQueue } from '../kafka/request-queue-fix.js'

fixRequestQueue()

/**
 * Resolves true once the broker at `address` answers a metadata request, false when
 * `timeoutMs` passes or `stillStarting()` turns false first.
 */
export async function waitUntilReady(address: string, timeoutMs: number, stillStarting: () => boolean = () => true): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline && stillStarting()) {
    if (await answersMetadata(address)) return true
    await sleep(250)
  }
  return false
}

/** True when the broker at `address` answers a metadata request within a second or two. */
export async function answersMetadata(address: string): Promise<boolean> {
  const kafka = new Kafka({ clientId: 'karafka-broker-check', brokers: [address], logLevel: logLevel.NOTHING, connectionTimeout: 1000, requestTimeout: 2000, retry: { retries: 0 } })
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
