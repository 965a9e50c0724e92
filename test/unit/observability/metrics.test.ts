import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Monitor } from '../../../src/instrumentation/monitor.js'
import { createMetrics, LagReadings } from '../../../src/observability/metrics.js'

const ref = { group: 'g', topic: 'orders', partition: 2 }
const at = 'messaging_consumer_group_name="g",messaging_destination_name="orders",messaging_destination_partition_id="2"'
const batch = { ...ref, messages: 10, firstOffset: '0', lastOffset: '9', attempt: 1 }

/** The value of one series in the Prometheus text, or undefined when absent. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('the metrics listener (monitor -> Prometheus text)', () => {
  it('counts what the monitor reports, labelled by group, topic and partition', async () => {
    const monitor = new Monitor()
    let lagReads = 0
    const { registry, detach } = createMetrics(monitor, {
      readLag: async () => {
        lagReads++
        return [{ group: 'g', topic: 'orders', partition: 2, committed: '10', end: '25', lag: 15 }]
      },
    })
    // Three deliveries (the last one a retry of the failed call): each counts as consumed.
    monitor.emit('consumer.consume', { ...batch, attempt: 1 })
    monitor.emit('consumer.consume', { ...batch, messages: 5, attempt: 1 })
    monitor.emit('consumer.consume', { ...batch, messages: 5, attempt: 2 })
    monitor.emit('consumer.consumed', { ...batch, durationMs: 40, consumedOffset: '9' })
    monitor.emit('consumer.consumed', { ...batch, messages: 5, durationMs: 2_000, consumedOffset: '14' })
    monitor.emit('consumer.consuming.retry', { ...ref, offset: '15', attempt: 1, backoffMs: 100, error: new Error('x'), exhausted: false })
    monitor.emit('error.occurred', { type: 'consumer.consume.error', error: new Error('x'), ...ref, offset: '15' })
    monitor.emit('dead_letter_queue.dispatched', { ...ref, offset: '15', deadLetter: 'orders.dlq', reason: 'Error: x', attempts: 3 })
    monitor.emit('dead_letter_queue.dispatched', {
      ...ref,
      offset: '16',
      deadLetter: 'orders.dlq',
      reason: 'InvalidMessage: y',
      attempts: 0,
    })
    monitor.emit('offsets.committed', { ...ref, offset: '17' })
    monitor.emit('rebalance.partitions_assigned', { group: 'g', partitions: [{ topic: 'orders', partition: 2 }] })
    monitor.emit('lambda.invoked', {
      ...ref,
      functionName: 'f',
      messages: 10,
      durationMs: 120,
      statusCode: 200,
      functionError: 'Unhandled',
    })
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } })
    monitor.emit('error.occurred', { type: 'lambda.invoke.error', error: throttled, ...ref })
    monitor.emit('error.occurred', { type: 'consumer.restarting', error: new Error('gone'), group: 'g' })
    monitor.emit('error.occurred', { type: 'consumer.rejoin.error', error: new Error('still gone'), group: 'g' })
    monitor.emit('error.occurred', { type: 'consumer.consume.error', error: throttled, ...ref, offset: '15', transient: true })
    const text = await registry.metrics()
    const kafka = `messaging_system="kafka",${at}`
    const process = `${kafka},messaging_operation_name="process"`
    assert.equal(value(text, `messaging_client_consumed_messages_total{${process}}`), 20)
    assert.equal(value(text, `karafka_consumed_batches_total{${kafka}}`), 2)
    assert.equal(value(text, `messaging_process_duration_seconds_count{${process}}`), 2)
    assert.equal(value(text, `messaging_process_duration_seconds_sum{${process}}`), 2.04)
    assert.equal(value(text, `messaging_process_duration_seconds_bucket{le="0.05",${process}}`), 1)
    assert.equal(value(text, `karafka_retries_total{${kafka}}`), 1)
    assert.equal(value(text, `karafka_handler_failures_total{${kafka}}`), 1, 'a throttled call is not a handler failure')
    assert.equal(value(text, `karafka_transient_failures_total{${kafka}}`), 1)
    assert.equal(value(text, `karafka_dead_letters_total{${kafka}}`), 2)
    assert.equal(value(text, `karafka_invalid_messages_total{${kafka}}`), 1)
    assert.equal(value(text, `karafka_offset_commits_total{${kafka}}`), 1)
    assert.equal(value(text, 'karafka_rebalances_total{messaging_system="kafka",messaging_consumer_group_name="g"}'), 1)
    assert.equal(value(text, `karafka_lambda_invocations_total{${kafka},faas_invoked_name="f"}`), 1)
    assert.equal(value(text, `karafka_lambda_function_errors_total{${kafka},faas_invoked_name="f"}`), 1)
    assert.equal(value(text, `karafka_lambda_throttles_total{${kafka}}`), 1)
    assert.equal(
      value(text, 'karafka_consumer_restarts_total{messaging_system="kafka",messaging_consumer_group_name="g"}'),
      1,
      'a restart, not each failed try to rejoin',
    )
    assert.equal(value(text, 'kafka_consumergroup_lag{consumergroup="g",topic="orders",partition="2"}'), 15)
    await registry.metrics()
    assert.equal(lagReads, 1, 'a second scrape within 5 s reuses the lag reading')
    detach()
    monitor.emit('offsets.committed', { ...ref, offset: '18' })
    assert.equal(value(await registry.metrics(), `karafka_offset_commits_total{${kafka}}`), 1, 'detached: no longer counting')
  })

  it('leaves the lag out of a scrape when the broker does not answer, and asks again next time', async () => {
    let fail = true
    const { registry } = createMetrics(new Monitor(), {
      readLag: async () => {
        if (fail) throw new Error('broker gone')
        return [{ group: 'g', topic: 't', partition: 0, committed: '0', end: '3', lag: 3 }]
      },
    })
    assert.equal(value(await registry.metrics(), 'kafka_consumergroup_lag{consumergroup="g",topic="t",partition="0"}'), undefined)
    fail = false
    assert.equal(value(await registry.metrics(), 'kafka_consumergroup_lag{consumergroup="g",topic="t",partition="0"}'), 3)
  })

  it('a broker that does not answer slows no scrape past waitMs: one read at a time, the last reading served until stale', async () => {
    const row = (lag: number) => [{ group: 'g', topic: 't', partition: 0, committed: '0', end: String(lag), lag }]
    let reads = 0
    let hang = false
    const lag = new LagReadings(
      async () => {
        reads++
        if (hang) await new Promise(() => {}) // the broker went away mid-read
        return row(reads)
      },
      { reuseMs: 0, waitMs: 20, staleMs: 150 },
    )
    assert.deepEqual(await lag.rows(), row(1))
    hang = true
    await new Promise((resolve) => setTimeout(resolve, 5))
    const alive = setInterval(() => {}, 1_000) // the read hangs, and the scrapes' own timers do not hold the process
    // Were a scrape to wait for the read, this would never resolve (and the test would time out).
    const scrapes = await Promise.all([lag.rows(), lag.rows(), lag.rows()])
    assert.deepEqual(scrapes, [row(1), row(1), row(1)], 'the last reading, while it is fresh enough')
    assert.equal(reads, 2, 'one read in flight, not one per scrape')
    await new Promise((resolve) => setTimeout(resolve, 160))
    assert.equal(await lag.rows(), undefined, 'a stale reading is left out')
    assert.equal(reads, 2, 'still the one read')
    clearInterval(alive)
  })
})
