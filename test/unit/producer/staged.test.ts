import assert from 'node:assert/strict'
import { it } from 'node:test'
import { StagedSender } from '../../../src/producer/staged.js'

const record = (key: string) => ({ key, value: 'v' })

it('stages in call order, keeps what came before the last mark, and refuses a send once the records are taken', async () => {
  const staged = new StagedSender()
  assert.deepEqual(await staged.send('out', record('a')), { topic: 'out', partition: -1, offset: '-1' })
  await staged.send('out', record('b'))
  staged.mark()
  await staged.send('other', record('c'))
  assert.deepEqual(
    staged.upToMark().map((r) => `${r.topic}:${r.record.key}`),
    ['out:a', 'out:b'],
  )
  await assert.rejects(staged.send('out', record('late')), /called after the handler of a transactional route returned/)
  assert.deepEqual(
    staged.all().map((r) => r.record.key),
    ['a', 'b', 'c'],
    'the late send was not staged',
  )
})
