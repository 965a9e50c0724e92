import assert from 'node:assert/strict'
import { it } from 'node:test'
import { ArgumentsError, KarafkaError, ManifestError } from '../../../src/errors/index.js'

it('user-input errors exit 2 and format with their hint; runtime errors keep their cause', () => {
  const cause = new Error('socket closed')
  const runtime = new KarafkaError('KAFKA_UNAVAILABLE', 'no broker answers', { cause, retriable: true, topic: 'users', partition: 2 })
  assert.equal(runtime.isUserInput, false)
  assert.equal(runtime.cause, cause)
  assert.equal(runtime.retriable, true)
  assert.deepEqual(runtime.context, { topic: 'users', partition: 2, offset: undefined, route: undefined })
  const args = new ArgumentsError('bad --port', 'give a number')
  assert.equal(args.isUserInput, true)
  assert.equal(args.format(), 'bad --port\n  hint: give a number')
  const manifest = new ManifestError('k.yml', [
    { file: 'k.yml', line: 3, col: 5, path: 'app.brokers', message: 'is wrong', hint: 'fix it' },
  ])
  assert.equal(manifest.format(), 'k.yml:3:5 app.brokers: is wrong\n  hint: fix it\nk.yml has 1 problem')
})
