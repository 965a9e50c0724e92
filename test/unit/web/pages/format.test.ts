import assert from 'node:assert/strict'
import { it } from 'node:test'
import { formatValue, preview, span } from '../../../../src/web/pages/format.js'

it('values: JSON pretty-printed, text as it is, binary as hex, null as a tombstone', () => {
  assert.deepEqual(formatValue(Buffer.from('{"event_name":"x","payload":{"id":1}}')), {
    kind: 'json',
    text: '{\n  "event_name": "x",\n  "payload": {\n    "id": 1\n  }\n}',
    bytes: 37,
  })
  assert.deepEqual(formatValue(Buffer.from('not { json')), { kind: 'text', text: 'not { json', bytes: 10 })
  assert.equal(formatValue(Buffer.from('{"broken":')).kind, 'text', 'JSON-looking text that is not JSON')
  const binary = formatValue(Buffer.from([0, 1, 2, 255, 254]))
  assert.deepEqual(binary, { kind: 'binary', text: '00 01 02 ff fe', bytes: 5 })
  assert.deepEqual(formatValue(null), { kind: 'null', text: 'null (a tombstone)', bytes: 0 })
  assert.equal(preview(Buffer.from(`{"a":"${'x'.repeat(200)}"}`), 20), '{"a":"xxxxxxxxxxxxxx…')
  assert.equal(preview(Buffer.from([0, 255])), '(binary, 2 bytes)')
})

it('spans of time in words', () => {
  assert.deepEqual([800, 3_000, 5 * 60_000, 2 * 3_600_000, 4 * 86_400_000].map(span), ['800 ms', '3 s', '5 min', '2 h', '4 days'])
})
