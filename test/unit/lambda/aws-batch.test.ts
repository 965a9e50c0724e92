import assert from 'node:assert/strict'
import { it } from 'node:test'
import { z } from 'zod'
import type { Message } from '../../../src/consumer/types.js'
import { consumeForAws, type RunBatch } from '../../../src/lambda/aws-batch.js'
import type { AwsKafkaEvent, AwsKafkaRecord } from '../../../src/lambda/event.js'
import type { Delivery, OutgoingRecord, RecordSender } from '../../../src/producer/sender.js'
import type { Topology } from '../../../src/topology.js'

const topology: Topology = {
  fingerprint: 'test',
  app: {},
  topics: { notes: { key: undefined, events: { note: { schema: z.object({ text: z.string() }), method: 'note' } } } },
}

/** A record of partition `partition`: a note, or (for a string starting with "!") a value that is not an envelope. */
function record(partition: number, offset: number, text: string): AwsKafkaRecord {
  const value = text.startsWith('!') ? text : JSON.stringify({ event_name: 'note', payload: { text } })
  return {
    topic: 'notes',
    partition,
    offset,
    timestamp: 1_700_000_000_000,
    timestampType: 'CREATE_TIME',
    key: Buffer.from(`k${offset}`).toString('base64'),
    value: Buffer.from(value).toString('base64'),
    headers: [{ trace: [104, -61, -85] }],
  }
}

function eventOf(partitions: Record<number, string[]>): AwsKafkaEvent {
  const records = Object.fromEntries(
    Object.entries(partitions).map(([p, texts]) => [`notes-${p}`, texts.map((text, i) => record(Number(p), 10 + i, text))]),
  )
  return { eventSource: 'SelfManagedKafka', bootstrapServers: 'b:9092', records }
}

/** The handler calls, and a handler that marks each note and throws at "boom". */
function recorder(): { calls: string[][]; runBatch: RunBatch } {
  const calls: string[][] = []
  const runBatch: RunBatch = async (messages: Message[]) => {
    calls.push(messages.map((m) => (m.payload as { text: string }).text))
    let consumed: string | undefined
    for (const m of messages) {
      if ((m.payload as { text: string }).text === 'boom') return { consumed, error: new TypeError('boom') }
      consumed = m.offset
    }
    return { consumed }
  }
  return { calls, runBatch }
}

function senderOf(sent: { topic: string; record: OutgoingRecord }[], fail = false): RecordSender {
  return {
    async send(topic, outgoing): Promise<Delivery> {
      if (fail) throw new Error('the broker is away')
      sent.push({ topic, record: outgoing })
      return { topic, partition: 0, offset: String(sent.length - 1) }
    },
  }
}

const options = (runBatch: RunBatch, sender: RecordSender, dlq: { deadLetter?: string } = { deadLetter: 'notes.dlq' }) => ({
  topology,
  runBatch,
  sender,
  deadLetter: dlq.deadLetter,
  group: 'notes-group',
  signal: new AbortController().signal,
})

const ids = (answer: { batchItemFailures: { itemIdentifier: { partition: string; offset: number } }[] }) =>
  answer.batchItemFailures.map((f) => `${f.itemIdentifier.partition}@${f.itemIdentifier.offset}`)

it('a batch that succeeds answers an empty batchItemFailures list', async () => {
  const { calls, runBatch } = recorder()
  assert.deepEqual(await consumeForAws(eventOf({ 0: ['a', 'b'], 3: ['c'] }), options(runBatch, senderOf([]))), { batchItemFailures: [] })
  assert.deepEqual(calls, [['a', 'b'], ['c']])
})

it("a failure halfway names the first record not consumed and the rest of that partition's batch; the other partitions go on", async () => {
  const { calls, runBatch } = recorder()
  const answer = await consumeForAws(eventOf({ 0: ['a', 'b', 'boom', 'c', 'd'], 1: ['e'] }), options(runBatch, senderOf([])))
  assert.deepEqual(ids(answer), ['notes-0@12', 'notes-0@13', 'notes-0@14'])
  assert.deepEqual(answer.batchItemFailures[0], { itemIdentifier: { partition: 'notes-0', offset: 12 } }, "AWS's documented shape")
  assert.deepEqual(calls, [['a', 'b', 'boom', 'c', 'd'], ['e']])
})

it('an invalid message is dead-lettered with the poller record and headers, and the batch goes on around it', async () => {
  const { calls, runBatch } = recorder()
  const sent: { topic: string; record: OutgoingRecord }[] = []
  const answer = await consumeForAws(eventOf({ 0: ['a', '!not json', 'b'] }), options(runBatch, senderOf(sent)))
  assert.deepEqual(answer, { batchItemFailures: [] })
  assert.deepEqual(calls, [['a'], ['b']], 'the handler saw the messages on either side, in order')
  assert.equal(sent.length, 1)
  const { topic, record: dead } = sent[0]!
  assert.equal(topic, 'notes.dlq')
  assert.equal(String(dead.key), 'k11')
  assert.equal(String(dead.value), '!not json')
  const headers = Object.fromEntries(Object.entries(dead.headers!).map(([k, v]) => [k, String(v)]))
  assert.deepEqual(
    { ...headers, error_message: headers.error_message!.slice(0, 20) },
    {
      trace: 'hë',
      source_topic: 'notes',
      source_partition: '0',
      source_offset: '11',
      source_consumer_group: 'notes-group',
      error_class: 'InvalidMessage',
      error_message: 'the value is not JSO',
      attempts: '0',
    },
  )
})

it('without a dead-letter topic, or when writing to it fails, the partition stops at the invalid message', async () => {
  for (const [dlq, sender] of [
    [{}, senderOf([])],
    [{ deadLetter: 'notes.dlq' }, senderOf([], true)],
  ] as const) {
    const { calls, runBatch } = recorder()
    const answer = await consumeForAws(eventOf({ 0: ['a', '!bad', 'b'], 2: ['c'] }), options(runBatch, sender, dlq))
    assert.deepEqual(ids(answer), ['notes-0@11', 'notes-0@12'])
    assert.deepEqual(calls, [['a'], ['c']])
  }
})

it('a failure before an invalid message stops there: the invalid one is not dead-lettered yet', async () => {
  const { runBatch } = recorder()
  const sent: { topic: string; record: OutgoingRecord }[] = []
  const answer = await consumeForAws(eventOf({ 0: ['boom', '!bad'] }), options(runBatch, senderOf(sent)))
  assert.deepEqual(ids(answer), ['notes-0@10', 'notes-0@11'])
  assert.equal(sent.length, 0)
})

it('past the deadline, partitions not begun are answered as failed, whole', async () => {
  const { calls, runBatch } = recorder()
  const deadline = new AbortController()
  deadline.abort()
  const answer = await consumeForAws(eventOf({ 0: ['a'], 1: ['b', 'c'] }), { ...options(runBatch, senderOf([])), signal: deadline.signal })
  assert.deepEqual(ids(answer), ['notes-0@10', 'notes-1@10', 'notes-1@11'])
  assert.deepEqual(calls, [])
})

it('a handler that marks its whole batch and then throws has nothing left to retry: the partition goes on', async () => {
  const calls: string[][] = []
  const runBatch: RunBatch = async (messages) => {
    calls.push(messages.map((m) => (m.payload as { text: string }).text))
    return { consumed: messages.at(-1)!.offset, error: new Error('after the last mark') }
  }
  const answer = await consumeForAws(eventOf({ 0: ['a', 'b', '!bad', 'c'] }), options(runBatch, senderOf([])))
  assert.deepEqual(ids(answer), [], 'every record consumed (the invalid one dead-lettered)')
  assert.deepEqual(calls, [['a', 'b'], ['c']])
})

it('an inconsistent message is reported in the function log and handed over, as inconsistent: report says', async (t) => {
  const warned = t.mock.method(console, 'warn', () => {})
  const { calls, runBatch } = recorder()
  const event = eventOf({ 0: ['a', 'b'] })
  event.records['notes-0']![1]!.headers = [{ event_name: [...Buffer.from('other')] }]
  const answer = await consumeForAws(event, options(runBatch, senderOf([])))
  assert.deepEqual(answer, { batchItemFailures: [] })
  assert.deepEqual(calls, [['a', 'b']])
  assert.equal(warned.mock.callCount(), 1)
  assert.match(
    String(warned.mock.calls[0]!.arguments[0]),
    /^notes\/0 offset 11: inconsistent message \(its event_name header says "other" but its envelope says "note".*\); handed over$/,
  )
})
