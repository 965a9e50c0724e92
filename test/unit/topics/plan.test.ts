import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { TopicSpec } from '../../../src/topics/desired.js'
import { describeStep, planTopics, type TopicState } from '../../../src/topics/plan.js'

const spec = (name: string, partitions: number, config: Record<string, string> = {}, replicationFactor = 1): TopicSpec => ({
  name,
  partitions,
  replicationFactor,
  config,
})
const state = (name: string, partitions: number, config: Record<string, string> = {}, replicationFactor = 1): TopicState => ({
  name,
  partitions,
  replicationFactor,
  config,
})

it('plans creates, added partitions and config changes; leaves topics outside the manifest alone', () => {
  const wanted = new Map([
    ['a', spec('a', 3, { 'cleanup.policy': 'compact' })],
    ['b', spec('b', 6, { 'retention.ms': '1000' })],
    ['c', spec('c', 2)],
  ])
  const actual = new Map([
    ['b', state('b', 4, { 'retention.ms': '5000', 'segment.ms': '100' })],
    ['c', state('c', 2)],
    ['other', state('other', 9)],
  ])
  const plan = planTopics(wanted, actual)
  assert.deepEqual(plan.refusals, [])
  assert.deepEqual(plan.steps.map(describeStep), [
    ['a', 'create', '3 partitions, replication 1, cleanup.policy=compact'],
    ['b', 'add partitions', '4 -> 6'],
    ['b', 'configure', 'retention.ms: 5000 -> 1000, segment.ms: 100 -> (default)'],
  ])
})

it('refuses fewer partitions and another replication factor instead of ignoring them', () => {
  const plan = planTopics(new Map([['a', spec('a', 2, {}, 3)]]), new Map([['a', state('a', 4, {}, 1)]]))
  assert.deepEqual(plan.steps, [])
  assert.deepEqual(
    plan.refusals.map((r) => r.reason),
    [
      'has 4 partitions and the manifest asks for 2: Kafka cannot remove partitions',
      'has replication factor 1 and the manifest asks for 3: topics migrate does not reassign replicas',
    ],
  )
})

it('an unchanged cluster plans nothing', () => {
  const plan = planTopics(
    new Map([['a', spec('a', 3, { 'cleanup.policy': 'compact' })]]),
    new Map([['a', state('a', 3, { 'cleanup.policy': 'compact' })]]),
  )
  assert.deepEqual(plan, { steps: [], refusals: [] })
})
