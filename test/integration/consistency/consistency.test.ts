// Records written by other producers that disagree with themselves: a key that is not the
// payload's partition key, an event_name header that names another event than the envelope.
// By default they are reported and handed over; `inconsistent: dead-letter` dead-letters them.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createTestApp, recordingHandler, type TestApp, waitFor } from '../../helpers/app.js'
import { committedOffsets, readRecords, testKafka, uniqueName } from '../../helpers/kafka.js'

describe('inconsistent messages (real broker)', () => {
  let app: TestApp | undefined
  after(() => app?.remove())

  it('are reported and handed over, or, with inconsistent: dead-letter, dead-lettered and never handed over', async () => {
    const [topic, reporting, strict] = [uniqueName('jobs'), uniqueName('reporting'), uniqueName('strict')]
    const dlq = `${topic}.dlq`
    app = await createTestApp(
      'consistency',
      `app:
  clientId: consistency-test
  brokers: \${KAFKA_BROKERS}
topics:
  ${topic}:
    key: id
    events:
      job: { id: string, n: integer }
consumerGroups:
  ${reporting}:
    topics:
      ${topic}: { handler: handlers/reporting.ts }
  ${strict}:
    topics:
      ${topic}: { handler: handlers/strict.ts, deadLetter: ${dlq}, inconsistent: dead-letter }
`,
      {
        'handlers/reporting.ts': recordingHandler('consistency', reporting, topic),
        'handlers/strict.ts': recordingHandler('consistency', strict, topic),
      },
    )
    // Another service's producer: one record as the responders would write it, then one keyed
    // by another field, then one whose header names another event.
    const job = (id: string, n: number) => JSON.stringify({ event_name: 'job', payload: { id, n } })
    const producer = testKafka().producer()
    await producer.connect()
    await producer.send({
      topic,
      messages: [
        { key: 'a', value: job('a', 1), headers: { event_name: 'job' } },
        { key: 'order-17', value: job('b', 2), headers: { event_name: 'job' } },
        { key: 'c', value: job('c', 3), headers: { event_name: 'job_cancelled' } },
      ],
    })
    await producer.disconnect()
    const server = await app.start()
    await waitFor('both groups past the three records', async () => {
      const [r, s] = [await committedOffsets(reporting, topic), await committedOffsets(strict, topic)]
      return r[0] === '3' && s[0] === '3'
    })
    await server.stop()

    assert.deepEqual(
      app.seen[`${reporting}/${topic}`]!.map((m) => m.offset),
      ['0', '1', '2'],
      'reported, and handed over all the same',
    )
    const reported = (app.events['consumer.message.inconsistent'] ?? []).filter((e) => e.group === reporting)
    assert.deepEqual(
      reported.map((e) => [e.offset, e.reason]),
      [
        ['1', `its key "order-17" is not its payload's id ("b"), so it may be in another partition than the other events of that key`],
        ['2', 'its event_name header says "job_cancelled" but its envelope says "job" (the envelope counts)'],
      ],
    )
    assert.deepEqual(
      app.seen[`${strict}/${topic}`]!.map((m) => m.offset),
      ['0'],
      'inconsistent: dead-letter hands over only the consistent record',
    )
    const letters = await readRecords(dlq, 2)
    assert.deepEqual(
      letters.map((l) => [l.headers.source_offset, l.headers.error_class, l.headers.attempts]),
      [
        ['1', 'InvalidMessage', '0'],
        ['2', 'InvalidMessage', '0'],
      ],
    )
  })
})
