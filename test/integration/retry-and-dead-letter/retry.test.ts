import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createTestApp, jobsManifest, recordingHandler, type TestApp, waitFor } from '../../helpers/app.js'
import { committedOffsets, readRecords, testKafka, uniqueName } from '../../helpers/kafka.js'

const manifest = (topic: string, group: string, route: string, partitions = 1) =>
  jobsManifest({ clientId: 'retry-test', topic, group, partitions, route })

describe('failures: retries with backoff and dead letters (real broker)', () => {
  const apps: TestApp[] = []
  after(() => Promise.all(apps.map((a) => a.remove())))

  it('a handler that fails twice then succeeds is called three times, with attempt 1, 2, 3, and commits once', async () => {
    const [topic, group] = [uniqueName('jobs'), uniqueName('workers')]
    const app = await createTestApp('flaky', manifest(topic, group, 'retry: { attempts: 5, backoffMs: 50, maxBackoffMs: 400 }'), {
      'handlers/jobs.ts': recordingHandler('flaky', group, topic, 'if (ctx.attempt < 3) throw new Error(`flaky attempt ${ctx.attempt}`)'),
    })
    apps.push(app)
    await Promise.all([1, 2, 3].map((n) => app.generated.responders[topic].job({ id: 'a', n })))
    const server = await app.start()
    await waitFor('a success', () => (app.events['consumer.consumed']?.length ?? 0) >= 1)
    await server.stop()
    const seen = app.seen[`${group}/${topic}`]!
    assert.deepEqual([...new Set(seen.map((m) => m.attempt))], [1, 2, 3])
    assert.equal(seen.filter((m) => m.offset === '0').length, 3, 'the first message was handed over three times')
    assert.deepEqual(
      app.events['consumer.consuming.retry']!.map((r) => [r.attempt, r.backoffMs, r.offset]),
      [
        [1, 50, '0'],
        [2, 100, '0'],
      ],
    )
    assert.deepEqual(
      app.events['offsets.committed']!.map((c) => c.offset),
      ['3'],
      'one commit, after the success',
    )
    assert.deepEqual(await committedOffsets(group, topic), { 0: '3' })
  })

  it('a poison message goes to the dead-letter topic with its key, value, headers and the failure; the messages after it are handled', async () => {
    const [topic, group] = [uniqueName('jobs'), uniqueName('workers')]
    const dlq = `${topic}.dlq`
    const app = await createTestApp(
      'poison',
      manifest(topic, group, `retry: { attempts: 3, backoffMs: 20, maxBackoffMs: 100 }, deadLetter: ${dlq}`),
      {
        'handlers/jobs.ts': recordingHandler(
          'poison',
          group,
          topic,
          "for (const m of messages) { if (m.event === 'job' && m.payload.n === 13) throw new TypeError('cannot handle 13'); ctx.markAsConsumed(m) }",
        ),
      },
    )
    apps.push(app)
    const responder = app.generated.responders[topic]
    for (const n of [11, 12, 13, 14, 15]) await responder.job({ id: 'k', n })
    const server = await app.start()
    await waitFor('every offset committed', () => (app.events['offsets.committed'] ?? []).some((c) => c.offset === '5'))
    await server.stop()

    const [record] = await readRecords(dlq, 1)
    assert.equal(record!.key, 'k')
    assert.deepEqual(JSON.parse(record!.value!), { event_name: 'job', payload: { id: 'k', n: 13 } })
    assert.deepEqual(
      { ...record!.headers },
      {
        event_name: 'job',
        source_topic: topic,
        source_partition: '0',
        source_offset: '2',
        source_consumer_group: group,
        error_class: 'TypeError',
        error_message: 'cannot handle 13',
        attempts: '3',
      },
    )
    // The handler records every message it is handed, then stops at 13.
    const handed = app.seen[`${group}/${topic}`]!.map((m) => [(m.payload as { n: number }).n, m.attempt])
    assert.deepEqual(
      handed,
      [
        [11, 1],
        [12, 1],
        [13, 1],
        [14, 1],
        [15, 1],
        [13, 2],
        [14, 2],
        [15, 2],
        [13, 3],
        [14, 3],
        [15, 3],
        [14, 1],
        [15, 1],
      ],
      'marked messages are not retried; after three attempts 13 is dead-lettered and the messages after it are handled',
    )
    assert.deepEqual(
      app.events['dead_letter_queue.dispatched']!.map((d) => [d.offset, d.attempts]),
      [['2', 3]],
    )
    assert.deepEqual(await committedOffsets(group, topic), { 0: '5' })
  })

  it('while one partition waits in backoff, another partition of the topic keeps being consumed', async () => {
    const [topic, group] = [uniqueName('jobs'), uniqueName('workers')]
    const app = await createTestApp(
      'isolated',
      manifest(topic, group, 'retry: { attempts: 100, backoffMs: 3000, maxBackoffMs: 3000 }', 2),
      {
        'handlers/jobs.ts': recordingHandler(
          'isolated',
          group,
          topic,
          "if (messages.some((m) => m.key === 'stuck')) throw new Error('stuck key')",
        ),
      },
    )
    apps.push(app)
    const responder = app.generated.responders[topic]
    const stuck = await responder.job({ id: 'stuck', n: 0 })
    let free = 'free0'
    for (let i = 0; (await responder.job({ id: free, n: -1 })).partition === stuck.partition; i++) free = `free${i + 1}`
    const server = await app.start()
    await waitFor('the stuck partition to wait in backoff', () => (app.events['consumer.consuming.retry']?.length ?? 0) >= 1)
    const retriesBefore = app.events['consumer.consuming.retry']!.length
    for (let n = 1; n <= 5; n++) await responder.job({ id: free, n })
    await waitFor(
      'the other partition to go on',
      () => (app.seen[`${group}/${topic}`] ?? []).filter((m) => m.key === free && (m.payload as { n: number }).n > 0).length === 5,
      2500,
    )
    assert.equal(app.events['consumer.consuming.retry']!.length, retriesBefore, 'the stuck partition was still in its 3 s backoff')
    await server.stop()
    const pauses = app.events['client.pause']!
    assert.ok(
      pauses.every((p) => p.partition === stuck.partition),
      'only the failing partition was paused',
    )
  })

  it('an invalid message goes straight to the dead-letter topic, without retries and without reaching the handler', async () => {
    const [topic, group] = [uniqueName('jobs'), uniqueName('workers')]
    const dlq = `${topic}.dlq`
    const app = await createTestApp('invalid', manifest(topic, group, `deadLetter: ${dlq}`), {
      'handlers/jobs.ts': recordingHandler('invalid', group, topic),
    })
    apps.push(app)
    const producer = testKafka().producer()
    await producer.connect()
    await producer.send({
      topic,
      messages: [
        { key: 'x', value: JSON.stringify({ event_name: 'job', payload: { id: 'x', n: 'not a number' } }) },
        { key: 'x', value: 'not json' },
        { key: 'x', value: JSON.stringify({ event_name: 'job_v2', payload: {} }) },
        { key: 'x', value: JSON.stringify([1, 2]) },
        { key: 'x', value: null },
        { key: 'x', value: JSON.stringify({ event_name: 'job', payload: { id: 'x', n: 1 } }) },
      ],
    })
    await producer.disconnect()
    const server = await app.start()
    await waitFor('the valid message', () => (app.seen[`${group}/${topic}`] ?? []).some((m) => m.event === 'job'))
    await server.stop()
    const seen = app.seen[`${group}/${topic}`]!
    assert.deepEqual(
      seen.map((m) => [m.offset, m.event]),
      [
        ['4', null],
        ['5', 'job'],
      ],
      'only the tombstone and the valid message reach the handler',
    )
    const records = await readRecords(dlq, 4)
    assert.deepEqual(
      records.map((r) => [r.headers.source_offset, r.headers.error_class, r.headers.attempts]),
      [
        ['0', 'InvalidMessage', '0'],
        ['1', 'InvalidMessage', '0'],
        ['2', 'InvalidMessage', '0'],
        ['3', 'InvalidMessage', '0'],
      ],
    )
    assert.match(records[0]!.headers.error_message!, /invalid job payload: n: expected number, received string/)
    assert.match(records[1]!.headers.error_message!, /not JSON/)
    assert.match(records[2]!.headers.error_message!, /unknown event "job_v2"/)
    assert.match(records[3]!.headers.error_message!, /not an envelope/)
    assert.equal(app.events['consumer.consuming.retry'], undefined)
  })

  it('with markAsConsumed on message k, a failed batch resumes at k + 1', async () => {
    const [topic, group] = [uniqueName('jobs'), uniqueName('workers')]
    const app = await createTestApp('marked', manifest(topic, group, 'retry: { attempts: 5, backoffMs: 20, maxBackoffMs: 100 }'), {
      'handlers/jobs.ts': recordingHandler(
        'marked',
        group,
        topic,
        "if (ctx.attempt === 1) { ctx.markAsConsumed(messages[2]!); throw new Error('after k') }",
      ),
    })
    apps.push(app)
    for (let n = 0; n < 6; n++) await app.generated.responders[topic].job({ id: 'a', n })
    const server = await app.start()
    await waitFor('the retry to succeed', () => (app.events['consumer.consumed']?.length ?? 0) >= 1)
    await server.stop()
    const seen = app.seen[`${group}/${topic}`]!
    assert.deepEqual(
      seen.filter((m) => m.attempt === 1).map((m) => m.offset),
      ['0', '1', '2', '3', '4', '5'],
    )
    assert.deepEqual(
      seen.filter((m) => m.attempt === 2).map((m) => m.offset),
      ['3', '4', '5'],
    )
    assert.deepEqual(
      app.events['offsets.committed']!.map((c) => c.offset),
      ['3', '6'],
    )
  })

  it('without a dead-letter topic, retries go on at the maximum backoff, reported every time; never a silent skip', async () => {
    const [topic, group] = [uniqueName('jobs'), uniqueName('workers')]
    const app = await createTestApp('forever', manifest(topic, group, 'retry: { attempts: 2, backoffMs: 20, maxBackoffMs: 150 }'), {
      'handlers/jobs.ts': recordingHandler('forever', group, topic, "throw new Error('always')"),
    })
    apps.push(app)
    await app.generated.responders[topic].job({ id: 'a', n: 1 })
    const server = await app.start()
    await waitFor('five retries', () => (app.events['consumer.consuming.retry']?.length ?? 0) >= 5)
    await server.stop()
    const retries = app.events['consumer.consuming.retry']!.slice(0, 5)
    assert.deepEqual(
      retries.map((r) => [r.attempt, r.backoffMs, r.exhausted]),
      [
        [1, 20, false],
        [2, 150, true],
        [3, 150, true],
        [4, 150, true],
        [5, 150, true],
      ],
    )
    assert.equal(app.events['offsets.committed'], undefined)
    assert.deepEqual(await committedOffsets(group, topic), { 0: '-1' })
  })

  it('without a dead-letter topic, an invalid message stops its partition with an error', async () => {
    const [topic, group] = [uniqueName('jobs'), uniqueName('workers')]
    const app = await createTestApp('stops', manifest(topic, group, 'retry: { attempts: 2 }'), {
      'handlers/jobs.ts': recordingHandler('stops', group, topic),
    })
    apps.push(app)
    const producer = testKafka().producer()
    await producer.connect()
    await producer.send({
      topic,
      messages: [
        { key: 'x', value: JSON.stringify({ event_name: 'job', payload: { id: 'x', n: 1 } }) },
        { key: 'x', value: 'garbage' },
        { key: 'x', value: JSON.stringify({ event_name: 'job', payload: { id: 'x', n: 2 } }) },
      ],
    })
    await producer.disconnect()
    const server = await app.start()
    await waitFor('the partition to stop', () => (app.events['consumer.consuming.pause']?.length ?? 0) >= 1)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await server.stop()
    assert.deepEqual(
      app.seen[`${group}/${topic}`]!.map((m) => m.offset),
      ['0'],
      'nothing after the invalid message was handled',
    )
    assert.equal(app.events['consumer.consuming.pause']![0]!.offset, '1')
    assert.ok(app.events['error.occurred']!.some((e) => e.type === 'consumer.invalid_message' && e.offset === '1'))
    assert.deepEqual(await committedOffsets(group, topic), { 0: '1' })
  })
})
