import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { EventName, EventPayloads } from '../../../../src/instrumentation/events.js'
import { processReportSchema } from '../../../../src/web/report.js'
import { ProcessState } from '../../../../src/web/reporter/process-state.js'

const identity = { id: 'h:1:abc', app: 'shop', host: 'h', pid: 1, version: '0.1.0', node: 'v24', startedAt: 0, intervalMs: 10_000 }
const ref = { group: 'g', topic: 'orders', partition: 0 }
const batch = { ...ref, messages: 10, firstOffset: '0', lastOffset: '9', attempt: 1 }

function run(events: [EventName, unknown, number][]): { state: ProcessState; urgent: EventName[] } {
  const state = new ProcessState(identity, ['g'])
  const urgent: EventName[] = []
  for (const [event, payload, at] of events) if (state.apply(event, payload as EventPayloads[typeof event], at)) urgent.push(event)
  return { state, urgent }
}

const partitions = (state: ProcessState, now: number) =>
  state
    .snapshot(now, 1)
    .groups.flatMap((g) => g.partitions)
    .map((p) => ({ ...p }))

describe('ProcessState: what a process reports, from its events', () => {
  it('an assignment lists the partitions idle; a handler call makes one processing since it began, until it is consumed', () => {
    const { state, urgent } = run([
      [
        'rebalance.partitions_assigned',
        {
          group: 'g',
          partitions: [
            { topic: 'orders', partition: 0 },
            { topic: 'orders', partition: 1 },
          ],
        },
        5,
      ],
      ['consumer.consume', batch, 100],
    ])
    assert.deepEqual(urgent, ['rebalance.partitions_assigned'], 'only the assignment asks for a report now')
    const report = state.snapshot(150, 1)
    assert.equal(report.groups[0]!.state, 'running')
    assert.deepEqual(
      report.groups[0]!.partitions.map((p) => [p.partition, p.state, p.since]),
      [
        [0, 'processing', 100],
        [1, 'idle', undefined],
      ],
    )
    state.apply('consumer.consumed', { ...batch, durationMs: 40, consumedOffset: '9' }, 200)
    const after = state.snapshot(1_150, 1)
    assert.deepEqual(
      after.groups[0]!.partitions.map((p) => [p.partition, p.state, p.consumed, p.lastOffset]),
      [
        [0, 'idle', 10, '9'],
        [1, 'idle', 0, undefined],
      ],
    )
    assert.equal(after.throughput, 10, '10 messages in the second since the last report')
    assert.deepEqual(after.latency.handler, { count: 1, p50: 40, p95: 40, max: 40 })
    assert.equal(after.latency.lambda, null)
    assert.equal(state.snapshot(2_150, 1).latency.handler, null, 'latencies cover one report each')
  })

  it('a retry pauses the partition until its backoff ends, at its offset and attempt; the resume makes it idle again', () => {
    const { state, urgent } = run([
      ['rebalance.partitions_assigned', { group: 'g', partitions: [{ topic: 'orders', partition: 0 }] }, 0],
      ['consumer.consume', batch, 10],
      ['error.occurred', { type: 'consumer.consume.error', error: new Error('db down'), ...ref, offset: '3' }, 20],
      [
        'consumer.consuming.retry',
        { ...ref, offset: '3', attempt: 1, backoffMs: 1_000, error: new Error('db down'), exhausted: false },
        20,
      ],
    ])
    assert.deepEqual(urgent, ['rebalance.partitions_assigned', 'consumer.consuming.retry'])
    assert.deepEqual(partitions(state, 30)[0], {
      topic: 'orders',
      partition: 0,
      consumed: 0,
      state: 'paused',
      until: 1_020,
      offset: '3',
      attempt: 1,
      reason: 'Error: db down',
    })
    assert.equal(state.apply('client.resume', ref, 1_020), true)
    assert.equal(partitions(state, 1_030)[0]!.state, 'idle')
    const totals = state.snapshot(1_040, 1).totals
    assert.deepEqual([totals.failures, totals.retries, totals.errors], [1, 1, 1])
  })

  it('an invalid message without a dead-letter topic stops the partition at its offset, and it stays stopped', () => {
    const { state } = run([
      ['rebalance.partitions_assigned', { group: 'g', partitions: [{ topic: 'orders', partition: 0 }] }, 0],
      ['consumer.consuming.pause', { ...ref, offset: '7', reason: 'the value is not JSON' }, 10],
      ['rebalance.partitions_assigned', { group: 'g', partitions: [{ topic: 'orders', partition: 0 }] }, 20],
    ])
    assert.deepEqual(partitions(state, 30)[0], {
      topic: 'orders',
      partition: 0,
      consumed: 0,
      state: 'stopped',
      offset: '7',
      reason: 'the value is not JSON',
    })
  })

  it('a rebalance drops revoked partitions and forgets calls that were running (they end without an event)', () => {
    const { state } = run([
      [
        'rebalance.partitions_assigned',
        {
          group: 'g',
          partitions: [
            { topic: 'orders', partition: 0 },
            { topic: 'orders', partition: 1 },
          ],
        },
        0,
      ],
      ['consumer.consume', batch, 10],
      ['consumer.consume', { ...batch, partition: 1 }, 10],
      ['rebalance.partitions_revoked', { group: 'g', partitions: [{ topic: 'orders', partition: 1 }] }, 20],
      ['rebalance.partitions_assigned', { group: 'g', partitions: [{ topic: 'orders', partition: 0 }] }, 20],
    ])
    assert.deepEqual(
      partitions(state, 30).map((p) => [p.partition, p.state]),
      [[0, 'idle']],
    )
  })

  it('virtual partitions: a partition is processing while any of its calls runs', () => {
    const { state } = run([
      ['consumer.consume', { ...batch, virtualPartition: 0 }, 10],
      ['consumer.consume', { ...batch, virtualPartition: 1 }, 15],
      ['consumer.consumed', { ...batch, virtualPartition: 0, durationMs: 5, consumedOffset: '9' }, 20],
    ])
    assert.deepEqual(
      partitions(state, 25).map((p) => [p.state, p.since]),
      [['processing', 10]],
    )
    state.apply('consumer.consumed', { ...batch, virtualPartition: 1, durationMs: 5, consumedOffset: '9' }, 30)
    assert.equal(partitions(state, 35)[0]!.state, 'idle')
  })

  it('takes the lag from statistics.emitted, Lambda latency from lambda.invoked, the group state from restarts and crashes', () => {
    const { state, urgent } = run([
      ['rebalance.partitions_assigned', { group: 'g', partitions: [{ topic: 'orders', partition: 0 }] }, 0],
      ['statistics.emitted', { group: 'g', consumed: 0, batches: 0, lag: { 'orders/0': 42, 'orders/9': 1 } }, 5],
      ['lambda.invoked', { ...ref, functionName: 'f', messages: 1, durationMs: 250, statusCode: 200, functionError: undefined }, 6],
      ['lambda.invoked', { ...ref, functionName: 'f', messages: 1, durationMs: 350, statusCode: 200, functionError: undefined }, 7],
      ['error.occurred', { type: 'consumer.restarting', error: new Error('broker gone'), group: 'g' }, 8],
    ])
    assert.deepEqual(urgent, ['rebalance.partitions_assigned', 'error.occurred'])
    const report = state.snapshot(10, 1)
    assert.equal(report.groups[0]!.partitions[0]!.lag, 42)
    assert.equal(report.groups[0]!.partitions.length, 1, 'lag of a partition not assigned here is not one of ours')
    assert.deepEqual(report.latency.lambda, { count: 2, p50: 350, p95: 350, max: 350 })
    assert.equal(report.groups[0]!.state, 'restarting')
    assert.equal(report.totals.errors, 0, 'a restart is not a failure of handling')
    state.apply('error.occurred', { type: 'consumer.crashed', error: new Error('gone for good'), group: 'g' }, 20)
    const crashed = state.snapshot(30, 1)
    assert.equal(crashed.groups[0]!.state, 'crashed')
    assert.equal(crashed.lastError?.message, 'Error: gone for good')
  })

  it('error records: handling failures only, with where, the attempt and the stack; kafkajs lines and its own failures are not', () => {
    const { state } = run([['consumer.consume', { ...batch, attempt: 2 }, 0]])
    const error = new TypeError('payload.total is undefined')
    const record = state.errorRecord({ type: 'consumer.consume.error', error, ...ref, offset: '4' }, 50)
    assert.deepEqual(
      { ...record, error: { ...record!.error, stack: undefined } },
      {
        schema: 1,
        at: 50,
        process: 'h:1:abc',
        app: 'shop',
        host: 'h',
        pid: 1,
        type: 'consumer.consume.error',
        group: 'g',
        topic: 'orders',
        partition: 0,
        offset: '4',
        attempt: 2,
        error: { name: 'TypeError', message: 'payload.total is undefined', stack: undefined },
      },
    )
    assert.match(record!.error.stack!, /TypeError: payload.total is undefined/)
    for (const type of ['kafka.warning', 'kafka.error', 'listener.error', 'web.report.error'] as const)
      assert.equal(state.errorRecord({ type, error: new Error('x') }, 0), undefined, type)
  })

  it('the stopping and the last report: stopping while it drains, then stopped with no partitions; every snapshot has the wire format', () => {
    const { state, urgent } = run([
      ['rebalance.partitions_assigned', { group: 'g', partitions: [{ topic: 'orders', partition: 0 }] }, 0],
      ['app.stopping', { signal: 'SIGTERM' }, 5],
    ])
    assert.deepEqual(urgent, ['rebalance.partitions_assigned', 'app.stopping'])
    const stopping = state.snapshot(10, 1)
    assert.equal(stopping.state, 'stopping')
    assert.ok(processReportSchema.safeParse(stopping).success)
    const last = state.snapshot(20, 1, true)
    assert.equal(last.state, 'stopped')
    assert.deepEqual(last.groups, [{ group: 'g', state: 'stopped', partitions: [] }])
    assert.ok(processReportSchema.safeParse(JSON.parse(JSON.stringify(last))).success)
  })
})
