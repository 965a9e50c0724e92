// What karafka server reports for karafka web, on the real broker: reports and error records
// in their topics, the last one saying "stopped"; and a reports topic that does not exist
// breaks nothing: messages are consumed and committed, the failure is an error.occurred.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { parseErrorRecord, parseReport } from '../../../src/web/report.js'
import { createTestApp, jobsManifest, recordingHandler, type TestApp, waitFor } from '../../helpers/app.js'
import { committedOffsets, readRecords, testKafka, uniqueName } from '../../helpers/kafka.js'

const withWeb = (manifest: string, web: string) => manifest.replace('topics:\n', `web: { ${web} }\ntopics:\n`)

async function recordCount(topic: string): Promise<number> {
  const admin = testKafka().admin()
  await admin.connect()
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0)
  } finally {
    await admin.disconnect()
  }
}

describe('reporting for karafka web (real broker)', () => {
  const apps: TestApp[] = []
  after(() => Promise.all(apps.map((a) => a.remove())))

  it('a server reports its partitions and what it consumed, each failure goes to the errors topic, and its last report says stopped', async () => {
    const [topic, group, reportsTopic, errorsTopic] = ['reported', 'reporting', 'reports', 'errors'].map(uniqueName) as [
      string,
      string,
      string,
      string,
    ]
    const app = await createTestApp(
      'web-reporting',
      withWeb(
        jobsManifest({
          clientId: 'reporting-test',
          topic,
          group,
          partitions: 2,
          route: 'retry: { attempts: 2, backoffMs: 50, maxBackoffMs: 50 }',
        }),
        `reportIntervalMs: 1000, reportsTopic: ${reportsTopic}, errorsTopic: ${errorsTopic}`,
      ),
      {
        'handlers/jobs.ts': recordingHandler(
          'web-reporting',
          group,
          topic,
          "if (messages.some((m) => m.payload?.n === 3 && ctx.attempt === 1)) throw new Error('third time unlucky')",
        ),
      },
    )
    apps.push(app)
    for (let n = 0; n < 6; n++) await app.generated.responders[topic].job({ id: `k${n}`, n })
    const server = await app.start()
    await waitFor('6 messages handled', () => new Set((app.seen[`${group}/${topic}`] ?? []).map((m) => m.offset + m.partition)).size >= 6)
    await waitFor('the error record', async () => (await recordCount(errorsTopic)) >= 1)
    await server.stop()

    const values = (await readRecords(reportsTopic, await recordCount(reportsTopic))).map((r) => ({
      key: r.key,
      report: parseReport(r.value),
    }))
    assert.ok(
      values.every((v) => v.report && v.key === v.report.id),
      'every record is a report keyed by its process id',
    )
    const reports = values.map((v) => v.report!)
    assert.equal(new Set(reports.map((r) => r.id)).size, 1, 'one process')
    const last = reports.at(-1)!
    assert.equal(last.state, 'stopped')
    assert.equal(last.pid, process.pid)
    const busiest = reports.reduce((a, b) => (b.totals.consumed > a.totals.consumed ? b : a))
    assert.equal(busiest.totals.consumed, 6)
    assert.equal(busiest.totals.failures, 1)
    assert.equal(busiest.totals.retries, 1)
    const assigned = reports.find((r) => r.groups[0]!.partitions.length === 2)
    assert.deepEqual(
      assigned?.groups[0]?.partitions.map((p) => p.partition),
      [0, 1],
      'a report lists both partitions',
    )
    const [error] = (await readRecords(errorsTopic, 1)).map((r) => parseErrorRecord(r.value))
    assert.equal(error?.type, 'consumer.consume.error')
    assert.equal(error?.topic, topic)
    assert.equal(error?.error.message, 'third time unlucky')
    assert.equal(error?.attempt, 1)
    assert.equal(error?.process, last.id)
  })

  it('without its reports topic, the server consumes and commits as ever; the failed sends are error.occurred web.report.error', async () => {
    const [topic, group] = [uniqueName('unreported'), uniqueName('unreported')]
    // Reporting off in the manifest, so that migrate creates no web topics; on for the server.
    const app = await createTestApp(
      'web-unreported',
      withWeb(jobsManifest({ clientId: 'unreported-test', topic, group }), `reporting: false, reportsTopic: ${uniqueName('absent')}`),
      { 'handlers/jobs.ts': recordingHandler('web-unreported', group, topic) },
    )
    apps.push(app)
    const server = await app.start({ reporting: true })
    for (let n = 0; n < 5; n++) await app.generated.responders[topic].job({ id: `k${n}`, n })
    await waitFor('5 messages handled', () => (app.seen[`${group}/${topic}`]?.length ?? 0) >= 5)
    await waitFor('their commit', async () => (await committedOffsets(group, topic))[0] === '5')
    await waitFor('the failed report', () => (app.events['error.occurred'] ?? []).some((e) => e.type === 'web.report.error'), 60_000)
    const failure = app.events['error.occurred']!.find((e) => e.type === 'web.report.error')!
    assert.match(failure.error.message, /a report to absent-\w+ failed/)
    await server.stop()
    assert.equal(app.events['app.stopped']?.length, 1, 'the server stopped')
  })
})
