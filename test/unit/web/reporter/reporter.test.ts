import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Monitor } from '../../../../src/instrumentation/monitor.js'
import type { Delivery, OutgoingRecord, RecordSender } from '../../../../src/producer/sender.js'
import { parseErrorRecord, parseReport } from '../../../../src/web/report.js'
import { startReporter } from '../../../../src/web/reporter/reporter.js'
import { waitFor } from '../../../helpers/app.js'

const web = { reporting: true, reportIntervalMs: 60_000, reportsTopic: 'reports', errorsTopic: 'errors' }

/** Records what the reporter sends; `fail` makes sends reject. */
function recordingSender(): RecordSender & { sent: { topic: string; record: OutgoingRecord }[]; fail: boolean } {
  const sender = {
    sent: [] as { topic: string; record: OutgoingRecord }[],
    fail: false,
    async send(topic: string, record: OutgoingRecord): Promise<Delivery> {
      if (sender.fail) throw new Error('UNKNOWN_TOPIC_OR_PARTITION')
      sender.sent.push({ topic, record })
      return { topic, partition: 0, offset: String(sender.sent.length) }
    },
  }
  return sender
}

const reports = (sender: ReturnType<typeof recordingSender>) =>
  sender.sent.filter((s) => s.topic === 'reports').map((s) => parseReport(s.record.value as string)!)

describe('the reporter (a monitor listener)', () => {
  it('reports at start and after a change, keyed by its id; sends each handling failure to the errors topic; ends with a stopped report', async () => {
    const monitor = new Monitor()
    const sender = recordingSender()
    const reporter = startReporter({ monitor, sender, web, app: 'shop', groups: ['g'] })
    await waitFor('the first report', () => reports(sender).length === 1)
    assert.equal(sender.sent[0]!.record.key, reporter.id)
    assert.equal(reports(sender)[0]!.groups[0]!.state, 'joining')

    monitor.emit('rebalance.partitions_assigned', { group: 'g', partitions: [{ topic: 'orders', partition: 0 }] })
    await waitFor('a report of the assignment', () => reports(sender).length === 2)
    assert.deepEqual(
      reports(sender)[1]!.groups[0]!.partitions.map((p) => [p.topic, p.partition, p.state]),
      [['orders', 0, 'idle']],
    )

    monitor.emit('error.occurred', {
      type: 'consumer.consume.error',
      error: new Error('boom'),
      group: 'g',
      topic: 'orders',
      partition: 0,
      offset: '5',
    })
    monitor.emit('error.occurred', { type: 'kafka.warning', error: new Error('rebalancing') })
    await waitFor('the error record', () => sender.sent.some((s) => s.topic === 'errors'))
    const errors = sender.sent.filter((s) => s.topic === 'errors').map((s) => parseErrorRecord(s.record.value as string)!)
    assert.deepEqual(
      errors.map((e) => [e.type, e.offset, e.error.message, e.process]),
      [['consumer.consume.error', '5', 'boom', reporter.id]],
    )

    await reporter.stop()
    const last = reports(sender).at(-1)!
    assert.equal(last.state, 'stopped')
    assert.deepEqual(last.groups, [{ group: 'g', state: 'stopped', partitions: [] }])
    const count = sender.sent.length
    monitor.emit('rebalance.partitions_assigned', { group: 'g', partitions: [] })
    await new Promise((resolve) => setTimeout(resolve, 700))
    assert.equal(sender.sent.length, count, 'nothing after the stop')
  })

  it('a send that fails is an error.occurred (web.report.error) saying what to do, never a throw; the next report goes out', async () => {
    const monitor = new Monitor()
    const sender = recordingSender()
    sender.fail = true
    const said: { type: string; message: string; hint: string | undefined }[] = []
    monitor.subscribe('error.occurred', (e) =>
      said.push({ type: e.type, message: e.error.message, hint: (e.error as { hint?: string }).hint }),
    )
    const reporter = startReporter({ monitor, sender, web, app: 'shop', groups: ['g'] })
    await waitFor('the failure to be reported', () => said.length > 0)
    assert.equal(said[0]!.type, 'web.report.error')
    assert.match(said[0]!.message, /a report to reports failed: UNKNOWN_TOPIC_OR_PARTITION/)
    assert.match(said[0]!.hint!, /karafka topics migrate, or set web\.reporting: false/)
    assert.equal(said.length, 1, 'its own failure makes no error record (no loop)')
    // Failing again says nothing more (a topic never created would fill the log); once a send works, a new failure is said again.
    monitor.emit('app.stopping', { signal: 'SIGTERM' })
    await new Promise((resolve) => setTimeout(resolve, 700))
    assert.equal(said.length, 1, 'the same failure is said once')
    sender.fail = false
    monitor.emit('rebalance.partitions_assigned', { group: 'g', partitions: [{ topic: 't', partition: 0 }] })
    await waitFor('the next report', () => reports(sender).length === 1)
    assert.equal(reports(sender)[0]!.state, 'stopping')
    sender.fail = true
    monitor.emit('rebalance.partitions_assigned', { group: 'g', partitions: [{ topic: 't', partition: 1 }] })
    await waitFor('the new failure to be said', () => said.length === 2)
    await reporter.stop()
  })
})
