import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { it } from 'node:test'
import { trace } from '@opentelemetry/api'
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base'
import { z } from 'zod'
import { createConsumerDefinition, type Message } from '../../../src/consumer/types.js'
import { splitRecords } from '../../../src/invokers/lambda.js'
import { createLambdaHandler } from '../../../src/lambda/adapter.js'
import { type AwsKafkaEvent, fromAwsRecord, type PartialResult, toAwsRecord } from '../../../src/lambda/event.js'

// The sample self-managed Kafka event of AWS's Lambda documentation, as published.
const AWS_EVENT = JSON.parse(
  readFileSync(new URL('../../fixtures/aws/self-managed-kafka-event.json', import.meta.url), 'utf8'),
) as AwsKafkaEvent

it("decodes AWS's documented event: base64 key and value, headers as byte arrays", () => {
  const record = fromAwsRecord(AWS_EVENT.records['mytopic-0']![0]!)
  assert.equal(record.topic, 'mytopic')
  assert.equal(record.partition, 0)
  assert.equal(record.offset, '15')
  assert.equal(record.timestamp, '1545084650987')
  assert.equal(record.key?.toString(), 'recordKey')
  assert.equal(record.value?.toString(), '{"key":"value"}')
  assert.equal(String(record.headers?.headerKey), 'headerValue')
  assert.deepEqual(toAwsRecord(record), AWS_EVENT.records['mytopic-0']![0]!, 'and encodes it back to the same form')
})

const topology = {
  fingerprint: 'test',
  app: { clientId: 'adapter-test', brokers: '127.0.0.1:1' },
  topics: { mytopic: { key: undefined, events: { note: { schema: z.object({ text: z.string() }), method: 'note' } } } },
}

function eventOf(values: unknown[], partial: boolean): AwsKafkaEvent {
  const records = values.map((value, i) => ({
    topic: 'mytopic',
    partition: 0,
    offset: 15 + i,
    timestamp: 1545084650987,
    timestampType: 'CREATE_TIME' as const,
    key: 'cmVjb3JkS2V5',
    value: Buffer.from(JSON.stringify(value)).toString('base64'),
    headers: AWS_EVENT.records['mytopic-0']![0]!.headers,
  }))
  return { ...AWS_EVENT, records: { 'mytopic-0': records }, ...(partial ? { karafka: { partial: true, attempt: 2 } } : {}) }
}

it("runs the handler on the decoded, validated batch; under AWS's own mapping an invalid record or a handler error throws", async () => {
  const seen: Message[][] = []
  const handler = createLambdaHandler(createConsumerDefinition('g', 'mytopic', topology, (messages: Message[]) => void seen.push(messages)))
  assert.equal(await handler(eventOf([{ event_name: 'note', payload: { text: 'hi' } }], false)), undefined)
  assert.deepEqual(
    seen[0]!.map((m) => [m.offset, m.key, m.event, m.payload, m.headers]),
    [['15', 'recordKey', 'note', { text: 'hi' }, { headerKey: 'headerValue' }]],
  )
  await assert.rejects(handler(AWS_EVENT), /mytopic\/0 offset 15: the value is not an envelope/)
})

it("exports the function's spans before it answers: a Lambda function is frozen once it returns", async () => {
  const exporter = new InMemorySpanExporter()
  // A batch processor that would hold the span for an hour unless flushed.
  const processor = new BatchSpanProcessor(exporter, { scheduledDelayMillis: 3_600_000, maxExportBatchSize: 512 })
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [processor] }))
  try {
    const handler = createLambdaHandler(createConsumerDefinition('g', 'mytopic', topology, () => {}))
    await handler(eventOf([{ event_name: 'note', payload: { text: 'hi' } }], true))
    assert.deepEqual(
      exporter.getFinishedSpans().map((s) => s.name),
      ['process mytopic'],
    )
  } finally {
    trace.disable()
    await processor.shutdown()
  }
})

it('an exporter that hangs does not hold the answer past the deadline margin', async () => {
  const hanging = { onStart() {}, onEnd() {}, shutdown: async () => {}, forceFlush: () => new Promise<void>(() => {}) }
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [hanging] }))
  try {
    const handler = createLambdaHandler(createConsumerDefinition('g', 'mytopic', topology, () => {}))
    // 1.05 s left: the flush may wait 50 ms; were it to wait for the exporter, this would never answer.
    const answer = await handler(eventOf([{ event_name: 'note', payload: { text: 'hi' } }], true), {
      getRemainingTimeInMillis: () => 1_050,
    })
    assert.deepEqual(answer, { consumed: { 'mytopic-0': '15' } })
  } finally {
    trace.disable()
  }
})

it('answers the poller with a partial result: what was consumed, and the error', async () => {
  const handler = createLambdaHandler(
    createConsumerDefinition('g', 'mytopic', topology, (messages: Message[], ctx) => {
      assert.equal(ctx.attempt, 2)
      for (const m of messages) {
        if ((m.payload as { text: string }).text === 'bad') throw new TypeError('bad note')
        ctx.markAsConsumed(m)
      }
    }),
  )
  const notes = ['a', 'b', 'bad', 'c'].map((text) => ({ event_name: 'note', payload: { text } }))
  assert.deepEqual(await handler(eventOf(notes, true)), {
    consumed: { 'mytopic-0': '16' },
    error: { name: 'TypeError', message: 'bad note' },
  })
  assert.deepEqual(await handler(eventOf(notes.slice(0, 2), true)), { consumed: { 'mytopic-0': '16' } })
})

it('refuses a poller whose generated code has another fingerprint, without running the handler', async () => {
  let ran = false
  const handler = createLambdaHandler(
    createConsumerDefinition('g', 'mytopic', topology, () => {
      ran = true
    }),
  )
  const event = eventOf([{ event_name: 'note', payload: { text: 'hi' } }], true)
  const stale = (await handler({ ...event, karafka: { ...event.karafka, fingerprint: 'other' } })) as PartialResult
  assert.equal(stale?.error?.code, 'CODEGEN_STALE')
  assert.match(stale?.error?.message ?? '', /run karafka codegen, then karafka deploy/)
  assert.deepEqual(stale?.consumed, {})
  assert.equal(ran, false)
  assert.deepEqual(await handler({ ...event, karafka: { ...event.karafka, fingerprint: 'test' } }), { consumed: { 'mytopic-0': '15' } })
  assert.equal(ran, true)
})

it('aborts ctx.signal a second before the function deadline', async () => {
  let abortedAfter = -1
  const started = Date.now()
  const handler = createLambdaHandler(
    createConsumerDefinition('g', 'mytopic', topology, async (_m: Message[], ctx) => {
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()))
      abortedAfter = Date.now() - started
    }),
  )
  await handler(eventOf([{ event_name: 'note', payload: { text: 'x' } }], true), { getRemainingTimeInMillis: () => 1300 })
  assert.ok(abortedAfter >= 250 && abortedAfter < 1000, `aborted after ${abortedAfter} ms`)
})

it('splits batches so that each event stays under the 6 MB payload limit', () => {
  const big = {
    topic: 't',
    partition: 0,
    offset: 0,
    timestamp: 0,
    timestampType: 'CREATE_TIME' as const,
    key: null,
    value: 'x'.repeat(1_000_000),
    headers: [],
  }
  const chunks = splitRecords(Array.from({ length: 13 }, (_, i) => ({ ...big, offset: i })))
  assert.deepEqual(
    chunks.map((c) => c.length),
    [6, 6, 1],
  )
  assert.ok(chunks.every((c) => Buffer.byteLength(JSON.stringify(c)) < 6 * 1024 * 1024))
})

// AWS's documented MSK sample, its value replaced by notes (a record per value, offsets from 15).
const MSK_EVENT = JSON.parse(readFileSync(new URL('../../fixtures/aws/msk-event.json', import.meta.url), 'utf8')) as AwsKafkaEvent

function awsEventOf(sample: AwsKafkaEvent, texts: (string | null)[]): AwsKafkaEvent {
  const template = sample.records['mytopic-0']![0]!
  const records = texts.map((text, i) => {
    const { value: _value, ...rest } = template
    return text === null
      ? { ...rest, offset: 15 + i } // a tombstone: AWS leaves the value out
      : { ...rest, offset: 15 + i, value: Buffer.from(JSON.stringify({ event_name: 'note', payload: { text } })).toString('base64') }
  })
  return { ...sample, records: { 'mytopic-0': records } }
}

for (const [name, sample] of [
  ['self-managed', AWS_EVENT],
  ['MSK', MSK_EVENT],
] as const) {
  it(`under AWS's event source mapping (${name}): success answers no failures; a failure halfway names the first record not consumed`, async () => {
    const seen: Message[] = []
    const handler = createLambdaHandler(
      createConsumerDefinition('g', 'mytopic', topology, (messages: Message[], ctx) => {
        for (const m of messages) {
          seen.push(m)
          if (!m.tombstone && (m.payload as { text: string }).text === 'bad') throw new TypeError('bad note')
          ctx.markAsConsumed(m)
        }
      }),
      { poller: 'aws', consumerGroupId: 'g' },
    )
    assert.deepEqual(await handler(awsEventOf(sample, ['a', null, 'b'])), { batchItemFailures: [] })
    assert.deepEqual(
      seen.map((m) => [m.offset, m.tombstone, m.event]),
      [
        ['15', false, 'note'],
        ['16', true, null],
        ['17', false, 'note'],
      ],
      'the tombstone reached the handler as one',
    )
    assert.deepEqual(await handler(awsEventOf(sample, ['a', 'b', 'bad', 'c'])), {
      batchItemFailures: [
        { itemIdentifier: { partition: 'mytopic-0', offset: 17 } },
        { itemIdentifier: { partition: 'mytopic-0', offset: 18 } },
      ],
    })
  })
}

it('a route the karafka poller polls still throws when something else invokes it without karafka.partial', async () => {
  const handler = createLambdaHandler(
    createConsumerDefinition('g', 'mytopic', topology, () => {
      throw new TypeError('bad note')
    }),
  )
  await assert.rejects(handler(awsEventOf(MSK_EVENT, ['a'])), /bad note/)
})

it('on a transactional route, publishes nothing itself: its answer carries what the handler staged, up to the last mark after a failure', async () => {
  const handler = createLambdaHandler(
    createConsumerDefinition('g', 'mytopic', topology, async (messages: Message[], ctx) => {
      for (const m of messages) {
        const text = (m.payload as { text: string }).text
        const delivery = await (ctx.responders as Record<string, Record<string, (p: unknown) => Promise<{ offset: string }>>>).mytopic!
          .note!({
          text: `re: ${text}`,
        })
        assert.equal(delivery.offset, '-1', 'staged, not sent')
        if (text === 'bad') throw new TypeError('bad note')
        ctx.markAsConsumed(m)
      }
    }),
  )
  const transactional = (values: unknown[]) => {
    const event = eventOf(values, true)
    return { ...event, karafka: { ...event.karafka, transactional: true } }
  }
  const notes = ['a', 'b', 'bad', 'c'].map((text) => ({ event_name: 'note', payload: { text } }))
  const failed = (await handler(transactional(notes))) as PartialResult
  assert.deepEqual(failed.consumed, { 'mytopic-0': '16' })
  assert.equal(failed.error?.message, 'bad note')
  const texts = (result: PartialResult) =>
    result.records!.map((r) => [
      r.topic,
      JSON.parse(Buffer.from(r.value!, 'base64').toString()).payload.text,
      Buffer.from(r.headers.event_name!, 'base64').toString(),
    ])
  assert.deepEqual(texts(failed), [
    ['mytopic', 're: a', 'note'],
    ['mytopic', 're: b', 'note'],
  ])
  const done = (await handler(transactional(notes.slice(0, 2)))) as PartialResult
  assert.deepEqual(done.consumed, { 'mytopic-0': '16' })
  assert.equal(texts(done).length, 2)

  // More than Lambda's 6 MB answer: nothing counts, and the poller is told to send fewer records.
  const big = createLambdaHandler(
    createConsumerDefinition('g', 'mytopic', topology, async (messages: Message[], ctx) => {
      const responders = ctx.responders as Record<string, Record<string, (p: unknown) => Promise<unknown>>>
      for (let i = 0; i < 7; i++) await responders.mytopic!.note!({ text: 'x'.repeat(1024 * 1024) })
      void messages
    }),
  )
  const tooLarge = (await big(transactional(notes.slice(0, 1)))) as PartialResult
  assert.equal(tooLarge.error?.code, 'RESPONSE_TOO_LARGE')
  assert.deepEqual(tooLarge.consumed, {})
  assert.equal(tooLarge.records, undefined)
})
