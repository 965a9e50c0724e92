import assert from 'node:assert/strict'
import { it } from 'node:test'
import { newClusterId, serverProperties } from '../../../src/broker/config.js'

it('a cluster id never starts with "-" (the storage tool would take it for an option)', () => {
  const draws = [Buffer.from([0xfb, ...Array(15).fill(0)]), Buffer.from([0x10, ...Array(15).fill(1)])]
  assert.ok(draws[0]!.toString('base64url').startsWith('-'))
  const id = newClusterId(() => draws.shift()!)
  assert.equal(id, Buffer.from([0x10, ...Array(15).fill(1)]).toString('base64url'))
  assert.equal(id.length, 22)
})

it('server.properties is a one-node KRaft broker tuned for groups', () => {
  const text = serverProperties({ home: '/h', dataDir: '/h/data', logDir: '/h/logs', port: 19092, controllerPort: 19093 })
  for (const line of [
    'process.roles=broker,controller',
    'controller.quorum.voters=1@127.0.0.1:19093',
    'listeners=PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093',
    'offsets.topic.replication.factor=1',
    'group.initial.rebalance.delay.ms=0',
    'log.dirs=/h/data',
  ]) {
    assert.ok(text.split('\n').includes(line), line)
  }
})
