// Reading topics that other producers write in transactions: a group reads read_committed by
// default, so the records of an aborted transaction never reach its handler; a group set to
// read_uncommitted gets them too. Either way the group's offsets move past the transaction
// markers, so its lag reaches 0.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createKafka } from '../../../src/kafka/client.js'
import { readLag } from '../../../src/topics/lag.js'
import { createTestApp, recordingHandler, type TestApp, waitFor } from '../../helpers/app.js'
import { testKafka, uniqueName } from '../../helpers/kafka.js'

const job = (n: number) => ({ key: `k${n}`, value: JSON.stringify({ event_name: 'job', payload: { id: `k${n}`, n } }) })

describe('groups reading a topic written in transactions (real broker)', () => {
  const apps: TestApp[] = []
  after(() => Promise.all(apps.map((a) => a.remove())))

  it('read_committed (the default) never hands over aborted records, read_uncommitted does; both lags reach 0', async () => {
    const [topic, committed, uncommitted] = [uniqueName('txn-in'), uniqueName('committed'), uniqueName('uncommitted')]
    const app = await createTestApp(
      'isolation',
      `app:
  clientId: isolation-test
  brokers: \${KAFKA_BROKERS}
topics:
  ${topic}:
    key: id
    events:
      job: { id: string, n: integer }
consumerGroups:
  ${committed}:
    topics:
      ${topic}: { handler: handlers/committed.ts }
  ${uncommitted}:
    isolationLevel: read_uncommitted
    topics:
      ${topic}: { handler: handlers/uncommitted.ts }
`,
      {
        'handlers/committed.ts': recordingHandler('isolation', committed, topic),
        'handlers/uncommitted.ts': recordingHandler('isolation', uncommitted, topic),
      },
    )
    apps.push(app)
    // Another service's transactional producer: each transaction ends in a marker record that no handler ever sees.
    const producer = testKafka().producer({ transactionalId: uniqueName('other-service'), idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    after(() => producer.disconnect())
    const write = async (n: number, outcome: 'abort' | 'commit') => {
      const transaction = await producer.transaction()
      await transaction.send({ topic, messages: [job(n)] })
      await (outcome === 'abort' ? transaction.abort() : transaction.commit())
    }
    await write(1, 'abort')
    await write(2, 'commit')
    await write(3, 'commit')

    const server = await app.start()
    const numbers = (group: string) => (app.seen[`${group}/${topic}`] ?? []).map((m) => (m.payload as { n: number }).n)
    const kafka = createKafka(app.manifest.app)
    const caughtUp = async () => (await readLag(kafka, { [committed]: [topic], [uncommitted]: [topic] })).every((row) => row.lag === 0)
    await waitFor('both groups to handle what they read', () => numbers(committed).includes(3) && numbers(uncommitted).includes(3))
    await waitFor('both lags to reach 0, past the marker after the last message', caughtUp)
    // Then a transaction that aborts, read on its own: the read_committed group gets a batch of nothing to hand over.
    await write(4, 'abort')
    await waitFor('read_uncommitted to read the aborted job', () => numbers(uncommitted).includes(4))
    await waitFor('both lags to reach 0 again, past a batch with no message to hand over', caughtUp)
    await server.stop()
    assert.deepEqual(numbers(committed), [2, 3], 'the aborted jobs never reached the read_committed group')
    assert.deepEqual(numbers(uncommitted), [1, 2, 3, 4], 'read_uncommitted reads the aborted jobs too')
  })
})
