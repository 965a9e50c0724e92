import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManifestError } from '../../../../src/errors/index.js'
import { parseManifest } from '../../../../src/manifest/index.js'
import { desiredTopics } from '../../../../src/topics/desired.js'

const manifest = (extra = '', topics = '') => `app: { clientId: shop, brokers: 127.0.0.1:9092 }
${extra}topics:
  orders: { partitions: 3, replicationFactor: 2 }
${topics}consumerGroups:
  shop:
    topics:
      orders: { handler: handlers/orders.ts, deadLetter: orders.dlq }
`
const parse = (text: string) => parseManifest(text, 'karafka.yml', '/tmp/app/karafka.yml', {})

describe('the web topics in the manifest', () => {
  it('reporting is on by default: topics migrate creates the reports (compacted) and errors topics, replicated like the app', () => {
    const wanted = desiredTopics(parse(manifest()))
    assert.deepEqual([...wanted.keys()], ['orders', 'orders.dlq', 'karafka_ts_reports', 'karafka_ts_errors'])
    const reports = wanted.get('karafka_ts_reports')!
    assert.equal(reports.partitions, 1)
    assert.equal(reports.replicationFactor, 2)
    assert.equal(reports.config['cleanup.policy'], 'compact,delete')
    assert.equal(reports.config['min.compaction.lag.ms'], '3600000', 'an hour of reports for the charts')
    assert.equal(wanted.get('karafka_ts_errors')!.config['retention.ms'], String(3 * 86_400_000))
  })

  it('web: { reporting: false } leaves both topics out; other names are taken as given', () => {
    assert.deepEqual([...desiredTopics(parse(manifest('web: { reporting: false }\n'))).keys()], ['orders', 'orders.dlq'])
    const renamed = parse(manifest('web: { reportsTopic: ops.reports, errorsTopic: ops.errors, reportIntervalMs: 5000 }\n'))
    assert.deepEqual(renamed.web, { reporting: true, reportIntervalMs: 5000, reportsTopic: 'ops.reports', errorsTopic: 'ops.errors' })
    assert.ok(desiredTopics(renamed).has('ops.reports'))
  })

  it('refuses a web topic that is also a declared or dead-letter topic, one topic for both, and an interval under a second', () => {
    const problems = (text: string) => {
      try {
        parse(text)
      } catch (error) {
        assert.ok(error instanceof ManifestError)
        return error.format()
      }
      assert.fail('the manifest was accepted')
    }
    assert.match(
      problems(manifest('web: { reportsTopic: orders.dlq }\n')),
      /web\.reportsTopic: "orders\.dlq" is the web reports topic and also a dead-letter topic/,
    )
    assert.match(
      problems(manifest('', '  karafka_ts_errors: {}\n')),
      /topics\.karafka_ts_errors: "karafka_ts_errors" is the web errors topic and also a topic declared under topics:/,
    )
    assert.match(
      problems(manifest('web: { reportsTopic: x, errorsTopic: x }\n')),
      /web\.errorsTopic: the errors topic is the reports topic/,
    )
    assert.match(problems(manifest('web: { reportIntervalMs: 10 }\n')), /web\.reportIntervalMs/)
  })
})
