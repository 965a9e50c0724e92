import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { it } from 'node:test'
import type { RawRecord } from '../../../src/consumer/decode.js'
import { type AwsKafkaEvent, type AwsKafkaRecord, fromAwsRecord, toAwsRecord } from '../../../src/lambda/event.js'

// The sample events of AWS's Lambda documentation (with-kafka.html, with-msk.html), as published.
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/aws/${name}`, import.meta.url), 'utf8')) as AwsKafkaEvent
const SELF_MANAGED = fixture('self-managed-kafka-event.json')
const MSK = fixture('msk-event.json')

it("reads AWS's documented MSK event as it reads the self-managed one", () => {
  assert.equal(MSK.eventSource, 'aws:kafka')
  assert.match(MSK.eventSource === 'aws:kafka' ? MSK.eventSourceArn : '', /^arn:aws:kafka:us-east-1:123456789012:cluster\//)
  const record = fromAwsRecord(MSK.records['mytopic-0']![0]!)
  assert.equal(record.offset, '15')
  assert.equal(record.value?.toString(), 'Hello, this is a test.')
  assert.equal(record.key?.length, 22, 'the base64 key, decoded')
  assert.equal(String(record.headers?.headerKey), 'headerValue')
  assert.equal(fromAwsRecord(SELF_MANAGED.records['mytopic-0']![0]!).value?.toString(), '{"key":"value"}')
})

const base: AwsKafkaRecord = { topic: 't', partition: 0, offset: 7, timestamp: 1, timestampType: 'CREATE_TIME', headers: [] }

it('a key or value that AWS leaves out, or sends as null, is null; an empty one stays empty', () => {
  for (const record of [base, { ...base, key: null, value: null }]) {
    const raw = fromAwsRecord(record)
    assert.equal(raw.key, null)
    assert.equal(raw.value, null, 'a tombstone')
  }
  const empty = fromAwsRecord({ ...base, key: '', value: '' })
  assert.deepEqual([empty.key?.length, empty.value?.length], [0, 0])
  const noHeaders = fromAwsRecord({ ...base, headers: undefined as unknown as [] })
  assert.deepEqual(noHeaders.headers, {})
})

it('header values in signed bytes (as AWS sends them) and in unsigned ones decode alike', () => {
  // A header of aws-lambda-go's Kafka fixture, and UTF-8 "hë" in AWS's signed form.
  const raw = fromAwsRecord({ ...base, headers: [{ headerKey: [118, -36, 0, 127, -128] }, { name: [104, -61, -85] }] })
  assert.deepEqual([...raw.headers!.headerKey!], [118, 220, 0, 127, 128])
  assert.equal(String(raw.headers!.name), 'hë')
  assert.equal(String(fromAwsRecord({ ...base, headers: [{ name: [104, 195, 171] }] }).headers!.name), 'hë')
})

it('the poller sends what AWS sends: no key or value field for null, header values as signed bytes, one object per value', () => {
  const record = toAwsRecord({
    topic: 't',
    partition: 2,
    offset: '9',
    key: null,
    value: null,
    timestamp: '1545084650987',
    headers: { name: Buffer.from('hë'), repeated: [Buffer.from('a'), Buffer.from('b')] },
  })
  assert.deepEqual(record, {
    topic: 't',
    partition: 2,
    offset: 9,
    timestamp: 1545084650987,
    timestampType: 'CREATE_TIME',
    headers: [{ name: [104, -61, -85] }, { repeated: [97] }, { repeated: [98] }],
  })
  assert.ok(!('key' in record) && !('value' in record))
  const keyed = toAwsRecord({ ...fromAwsRecord(base), key: Buffer.from('k'), value: Buffer.from('') }, 'LOG_APPEND_TIME')
  assert.deepEqual([keyed.key, keyed.value, keyed.timestampType], ['aw==', '', 'LOG_APPEND_TIME'])
  assert.deepEqual(toAwsRecord(fromAwsRecord(SELF_MANAGED.records['mytopic-0']![0]!)), SELF_MANAGED.records['mytopic-0']![0])
})

it('a header without a value (null) goes to the function as no bytes, where it threw before', () => {
  const headers = { empty: null, listed: [Buffer.from('a'), null] } as unknown as RawRecord['headers']
  const record = toAwsRecord({ topic: 't', partition: 0, offset: '1', key: null, value: null, timestamp: '1', headers })
  assert.deepEqual(record.headers, [{ empty: [] }, { listed: [97] }, { listed: [] }])
})
