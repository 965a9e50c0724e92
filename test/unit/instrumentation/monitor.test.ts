import assert from 'node:assert/strict'
import { it } from 'node:test'
import { attachLogger } from '../../../src/instrumentation/logger-listener.js'
import { Monitor } from '../../../src/instrumentation/monitor.js'

const ref = { group: 'g', topic: 't', partition: 1 }

it('emitting costs nothing when nobody listens: a lazy payload is never built', () => {
  const monitor = new Monitor()
  let built = 0
  monitor.emit('consumer.consumed', () => {
    built++
    return { ...ref, messages: 1, firstOffset: '0', lastOffset: '0', attempt: 1, durationMs: 1, consumedOffset: '0' }
  })
  assert.equal(built, 0)
  assert.equal(monitor.listens('consumer.consumed'), false)
  const seen: number[] = []
  const off = monitor.subscribe('consumer.consumed', (p) => seen.push(p.messages))
  monitor.emit('consumer.consumed', () => {
    built++
    return { ...ref, messages: 7, firstOffset: '0', lastOffset: '6', attempt: 1, durationMs: 1, consumedOffset: '6' }
  })
  off()
  monitor.emit('consumer.consumed', () => {
    built++
    return { ...ref, messages: 9, firstOffset: '0', lastOffset: '8', attempt: 1, durationMs: 1, consumedOffset: '8' }
  })
  assert.deepEqual([built, seen], [1, [7]])
})

it('a listener that throws never breaks processing: the others still run and the error is reported', () => {
  const monitor = new Monitor()
  const calls: string[] = []
  const errors: string[] = []
  monitor.subscribe('client.pause', () => {
    throw new Error('listener bug')
  })
  monitor.subscribe('client.pause', () => void calls.push('second'))
  monitor.subscribe('error.occurred', (e) => {
    errors.push(`${e.type}: ${e.error.message}`)
    throw new Error('a throwing error listener must not loop')
  })
  assert.doesNotThrow(() => monitor.emit('client.pause', ref))
  assert.deepEqual(calls, ['second'])
  assert.deepEqual(errors, ['listener.error: listener bug'])
})

it("'*' listens to the whole catalogue; the logger writes seed-style text or JSON, filtered by level, secrets redacted", () => {
  const monitor = new Monitor()
  const names: string[] = []
  monitor.subscribe('*', (_p, name) => names.push(name))
  const text: string[] = []
  const json: string[] = []
  attachLogger(monitor, { format: 'text', level: 'info', write: (l) => text.push(l), secrets: ['hunter2'] })
  attachLogger(monitor, { format: 'json', level: 'debug', write: (l) => json.push(l) })
  monitor.emit('consumer.consumed', {
    group: 'example',
    topic: 'users',
    partition: 0,
    messages: 100,
    firstOffset: '0',
    lastOffset: '99',
    attempt: 1,
    durationMs: 12,
    consumedOffset: '99',
  })
  monitor.emit('offsets.committed', { ...ref, offset: '100' })
  monitor.emit('consumer.log', { ...ref, level: 'info', message: 'password is hunter2', fields: undefined })
  assert.deepEqual(names, ['consumer.consumed', 'offsets.committed', 'consumer.log'])
  assert.equal(text.length, 2, 'the debug line is filtered at info')
  assert.match(text[0]!, /^\S+Z INFO {2}\[example\] users\/0: 100 messages consumed in 12 ms$/)
  assert.match(text[1]!, /password is \[redacted\]$/)
  const parsed = json.map((l) => JSON.parse(l) as { level: string; event: string; message: string })
  assert.deepEqual(
    parsed.map((p) => [p.level, p.event]),
    [
      ['info', 'consumer.consumed'],
      ['debug', 'offsets.committed'],
      ['info', 'consumer.log'],
    ],
  )
})
