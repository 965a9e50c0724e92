import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { describe, it } from 'node:test'
import { type FilterAborted, fasterBatch } from '../../../../src/kafka/records/fetch-batch.js'
import { Long } from '../../../helpers/kafkajs-records.js'

const require = createRequire(import.meta.url)
const OriginalBatch = require('kafkajs/src/consumer/batch.js') as new (
  topic: string,
  fetchedOffset: string,
  data: object,
) => Record<string, unknown>
const filterAborted = require('kafkajs/src/consumer/filterAbortedMessages.js') as FilterAborted

describe('the faster fetch batch', () => {
  const Batch = fasterBatch(OriginalBatch as unknown as { prototype: object }, filterAborted, Long) as unknown as typeof OriginalBatch
  const message = (offset: string, extra: object = {}) => ({
    offset,
    key: null,
    value: Buffer.from('v'),
    timestamp: '1733400000000',
    headers: {},
    isControlRecord: false,
    batchContext: { producerId: '7', inTransaction: false },
    ...extra,
  })

  it('keeps and drops the messages kafkajs keeps and drops, and answers its methods the same', () => {
    const partitions = [
      // A compressed batch that began before the fetched offset.
      { fetched: '10', offsets: ['8', '9', '10', '11', '12'] },
      { fetched: '0', offsets: ['0', '1'] },
      { fetched: '5', offsets: [] },
      { fetched: '100', offsets: ['98', '99'] },
      // Past 2^53, where numbers are not exact: kafkajs's own comparison decides.
      { fetched: '9007199254740993', offsets: ['9007199254740992', '9007199254740993', '9007199254740994'] },
      { fetched: '9007199254740990', offsets: ['9007199254740989', '9007199254740990', '9007199254740995'] },
    ]
    for (const { fetched, offsets } of partitions) {
      const data = {
        partition: 3,
        highWatermark: '9007199254740999',
        messages: offsets.map((offset, i) => message(offset, i === offsets.length - 1 ? { isControlRecord: true } : {})),
      }
      const faster = new Batch('t', fetched, data)
      const kafkajs = new OriginalBatch('t', fetched, data)
      assert.deepStrictEqual({ ...faster }, { ...kafkajs }, `fetched ${fetched}`)
      assert.ok(faster instanceof OriginalBatch)
      for (const method of [
        'isEmpty',
        'isEmptyIncludingFiltered',
        'isEmptyDueToFiltering',
        'isEmptyControlRecord',
        'firstOffset',
        'lastOffset',
        'offsetLag',
        'offsetLagLow',
      ])
        assert.deepEqual((faster[method] as () => unknown)(), (kafkajs[method] as () => unknown)(), `${method} at ${fetched}`)
    }
  })

  it('drops the records of aborted transactions as kafkajs does', () => {
    const inTransaction = { producerId: '7', inTransaction: true }
    const data = {
      partition: 0,
      highWatermark: '20',
      abortedTransactions: [{ producerId: '7', firstOffset: '3' }],
      messages: [
        message('1'),
        message('3', { batchContext: inTransaction }),
        message('4', { batchContext: inTransaction }),
        message('5', { batchContext: inTransaction, key: Buffer.from([0, 0, 0, 0]), isControlRecord: true }),
        message('6'),
      ],
    }
    const faster = new Batch('t', '0', data)
    assert.deepStrictEqual({ ...faster }, { ...new OriginalBatch('t', '0', data) })
    assert.deepEqual(
      (faster.messages as { offset: string }[]).map((m) => m.offset),
      ['1', '6'],
    )
  })
})
