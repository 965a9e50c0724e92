import assert from 'node:assert/strict'
import { it } from 'node:test'
import { logLevel } from 'kafkajs'
import type { EventName, EventPayloads } from '../../../src/instrumentation/events.js'
import { Monitor } from '../../../src/instrumentation/monitor.js'
import { toMonitor } from '../../../src/kafka/client.js'

it("kafkajs's log lines reach the monitor: errors and warnings as error.occurred, the rest as client.log", () => {
  const monitor = new Monitor()
  const seen: [EventName, EventPayloads[EventName]][] = []
  monitor.subscribe('*', (payload, event) => seen.push([event, payload]))
  const log = toMonitor(monitor)(logLevel.INFO)
  const entry = (message: string, extra: Record<string, unknown> = {}) => ({
    message,
    timestamp: '2026-11-25T00:00:00Z',
    logger: 'kafkajs',
    ...extra,
  })
  log({
    namespace: 'BrokerPool',
    level: logLevel.ERROR,
    label: 'ERROR',
    log: entry('Failed to connect to broker, reconnecting', { retryCount: 2 }),
  })
  log({
    namespace: 'Runner',
    level: logLevel.WARN,
    label: 'WARN',
    log: entry('The group is rebalancing, re-joining', { error: 'The group is rebalancing' }),
  })
  log({ namespace: 'ConsumerGroup', level: logLevel.INFO, label: 'INFO', log: entry('Consumer has joined the group', { groupId: 'g' }) })
  const [error, warning, info] = seen as [
    ['error.occurred', EventPayloads['error.occurred']],
    ['error.occurred', EventPayloads['error.occurred']],
    ['client.log', EventPayloads['client.log']],
  ]
  assert.equal(error[1].type, 'kafka.error')
  assert.equal(error[1].error.message, 'BrokerPool: Failed to connect to broker, reconnecting')
  assert.equal((error[1].error as { code?: string }).code, 'KAFKA_ERROR')
  assert.equal(warning[1].type, 'kafka.warning')
  assert.equal(warning[1].error.message, 'Runner: The group is rebalancing, re-joining: The group is rebalancing')
  assert.deepEqual(info, ['client.log', { namespace: 'ConsumerGroup', message: 'Consumer has joined the group', fields: { groupId: 'g' } }])
})
