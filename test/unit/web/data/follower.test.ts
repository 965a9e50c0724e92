import assert from 'node:assert/strict'
import { it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import kafkajs, { type Admin } from 'kafkajs'
import type { PartitionReader } from '../../../../src/kafka/reader.js'
import { TopicFollower } from '../../../../src/web/data/follower.js'

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

it('says why it cannot read (a TLS refusal, with the setting to fix) until the cluster answers again, even with the topic missing', async () => {
  let refuse = true
  const untrusted = new kafkajs.KafkaJSConnectionError('Connection error: self-signed certificate in certificate chain', {
    code: 'SELF_SIGNED_CERT_IN_CHAIN',
  })
  const admin = { listTopics: async () => [], fetchTopicOffsets: async () => [] } as unknown as Admin
  const reader = { fetch: async () => [] } as unknown as PartitionReader
  const follower = new TopicFollower(reader, async () => {
    if (refuse) throw untrusted
    return admin
  }, [{ topic: 'reports', startAt: (low) => low, onRecord: () => {} }])
  const state = follower.states.get('reports')!
  follower.start()
  try {
    await until('the refusal', () => follower.refusal !== undefined)
    assert.match(follower.refusal!.what, /TLS certificate is not trusted/)
    assert.match(state.error!, /TLS certificate is not trusted \(self-signed certificate in certificate chain\); set app\.ssl\.ca/)

    refuse = false
    await until('the topic looked for again', () => state.missing)
    assert.equal(state.error, undefined, 'the cluster answered: no longer in error, though the topic does not exist')
    assert.equal(follower.refusal, undefined)
  } finally {
    await follower.stop()
  }
})
