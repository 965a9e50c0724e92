// The runner against a fake consumer and batch payload, as kafkajs tests its own runner: every
// rule of the batch flow is checked here without a broker; test/integration proves the same
// on a real one.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SpanStatusCode, trace } from '@opentelemetry/api'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { EachBatchPayload, KafkaMessage } from 'kafkajs'
import { z } from 'zod'
import { BatchRunner } from '../../../src/consumer/runner.js'
import type { TransactionalWriter } from '../../../src/consumer/transactions.js'
import { stableHash } from '../../../src/consumer/virtual-partitions.js'
import { KarafkaError } from '../../../src/errors/index.js'
import type { EventName, EventPayloads } from '../../../src/instrumentation/events.js'
import { Monitor } from '../../../src/instrumentation/monitor.js'
import type { InvokeRequest, InvokeResult } from '../../../src/invokers/invoker.js'
import type { Route } from '../../../src/manifest/types.js'
import type { OutgoingRecord } from '../../../src/producer/sender.js'
import type { StagedRecord } from '../../../src/producer/staged.js'
import type { Topology } from '../../../src/topology.js'

const TOPIC = 'jobs'
const topology: Topology = {
  fingerprint: 'test',
  app: {},
  topics: { [TOPIC]: { key: 'id', events: { job: { schema: z.object({ id: z.string(), n: z.number() }), method: 'job' } } } },
}

function route(over: Partial<Route> = {}): Route {
  return {
    group: 'g',
    topic: TOPIC,
    handler: 'h.ts',
    handlerPath: '/h.ts',
    functionName: undefined,
    backend: 'local',
    batch: { maxSize: 100, maxWaitMs: 50 },
    startFrom: 'earliest',
    retry: { attempts: 3, backoffMs: 10, maxBackoffMs: 40 },
    transactional: false,
    inconsistent: 'report',
    ...over,
  }
}

/** Kafka messages from offset 0: a number is a valid job (keyed by `keyOf`), a string is a raw (invalid) value. */
function messages(values: (number | string)[], keyOf: (n: number) => string = () => 'k'): KafkaMessage[] {
  return values.map((v, i) => ({
    offset: String(i),
    key: Buffer.from(typeof v === 'number' ? keyOf(v) : 'k'),
    value: Buffer.from(typeof v === 'number' ? JSON.stringify({ event_name: 'job', payload: { id: keyOf(v), n: v } }) : v),
    timestamp: '1700000000000',
    headers: { event_name: 'job' },
    attributes: 0,
  })) as KafkaMessage[]
}

/** A fake kafkajs consumer, batch payload, sender and invoker, recording what the runner does. */
function harness(
  values: (number | string)[],
  options: {
    route?: Partial<Route>
    invoke?: (request: InvokeRequest) => Promise<InvokeResult>
    commitFailures?: number
    heartbeat?: () => Promise<void>
    keyOf?: (n: number) => string
    transactions?: TransactionalWriter
    heartbeatIntervalMs?: number
    filteredAfter?: number
  } = {},
) {
  const calls: { offsets: string[]; attempt: number; virtualPartition?: number }[] = []
  const concurrency = { now: 0, most: 0 }
  const commits: string[] = []
  const seeks: string[] = []
  const resumes: number[] = []
  const resolved: string[] = []
  const deadLetters: { topic: string; record: OutgoingRecord }[] = []
  const events: { [E in EventName]?: EventPayloads[E][] } = {}
  let epoch = 0
  let paused = false
  let running = true
  let commitFailures = options.commitFailures ?? 0
  const monitor = new Monitor()
  monitor.subscribe('*', (payload, event) => {
    events[event] ??= []
    ;(events[event] as unknown[]).push(payload)
  })
  const shutdown = new AbortController()
  const runner = new BatchRunner({
    group: 'g',
    routes: new Map([[TOPIC, route(options.route)]]),
    topology,
    invoker: {
      invoke: async (request) => {
        calls.push({ offsets: request.messages.map((m) => m.offset), attempt: request.context.attempt })
        concurrency.most = Math.max(concurrency.most, ++concurrency.now)
        try {
          return await (options.invoke ? options.invoke(request) : { consumed: request.messages.at(-1)?.offset })
        } finally {
          concurrency.now--
        }
      },
    },
    monitor,
    consumer: { seek: ({ offset }) => void seeks.push(offset), resume: ([entry]) => void resumes.push(...(entry?.partitions ?? [])) },
    sender: {
      send: async (topic, record) => {
        deadLetters.push({ topic, record })
        return { topic, partition: 0, offset: String(deadLetters.length - 1) }
      },
    },
    epoch: () => epoch,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 5,
    shutdownSignal: shutdown.signal,
    ...(options.transactions ? { transactions: options.transactions } : {}),
  })
  const all = messages(values, options.keyOf)
  // Like kafkajs, the next batch starts where the runner last sought to.
  // kafkajs's lastOffset() also counts what it filtered out after the last message (transaction markers): `filteredAfter` of them.
  const batch = {
    topic: TOPIC,
    partition: 0,
    messages: all,
    lastOffset: () => String(BigInt(batch.messages.at(-1)?.offset ?? '-1') + BigInt(options.filteredAfter ?? 0)),
  }
  const payload = {
    batch,
    resolveOffset: (offset: string) => void resolved.push(offset),
    heartbeat: options.heartbeat ?? (async () => {}),
    commitOffsetsIfNecessary: async (offsets: { topics: { partitions: { offset: string }[] }[] }) => {
      if (commitFailures-- > 0) throw new Error('coordinator moved')
      commits.push(offsets.topics[0]!.partitions[0]!.offset)
    },
    isRunning: () => running,
    isStale: () => false,
    pause: () => {
      paused = true
      return () => {}
    },
  } as unknown as EachBatchPayload
  return {
    run: () => {
      batch.messages = all.filter((m) => BigInt(m.offset) >= BigInt(seeks.at(-1) ?? '0'))
      return runner.handle(payload)
    },
    runner,
    calls,
    concurrency,
    commits,
    seeks,
    resumes,
    resolved,
    deadLetters,
    events,
    rebalance: () => epoch++,
    shutdown: (reason: Error) => shutdown.abort(reason),
    /** A graceful stop: kafkajs says the consumer is no longer running. */
    stop: () => {
      running = false
    },
    get paused() {
      return paused
    },
  }
}

const until = async (what: string, condition: () => boolean) => {
  for (const deadline = Date.now() + 2000; !condition(); await new Promise((r) => setTimeout(r, 2)))
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
}

describe('the batch runner (fake consumer)', { timeout: 10_000 }, () => {
  it('hands a batch over in chunks of batch.maxSize, in order, committing after each', async () => {
    const t = harness([1, 2, 3, 4, 5], { route: { batch: { maxSize: 2, maxWaitMs: 50 } } })
    await t.run()
    assert.deepEqual(
      t.calls.map((c) => c.offsets),
      [['0', '1'], ['2', '3'], ['4']],
    )
    assert.equal(t.commits.at(-1), '5', 'the last commit is past the last message')
    assert.ok(
      t.commits.every((c, i) => i === 0 || BigInt(c) > BigInt(t.commits[i - 1]!)),
      `commits only move forward: ${t.commits}`,
    )
    assert.deepEqual(t.resolved, ['1', '3', '4'])
    assert.equal(t.paused, false)
  })

  it('commits past the transaction markers that follow the last message, so the lag can reach 0', async () => {
    const t = harness([1, 2, 3], { filteredAfter: 2, route: { batch: { maxSize: 2, maxWaitMs: 50 } } })
    await t.run()
    assert.deepEqual(t.commits, ['2', '5'], 'past offset 1 after the first chunk; past the markers at 3 and 4 after the last')
  })

  it('a failure commits what was marked, pauses, seeks to the failed message and resumes after the backoff', async () => {
    const t = harness([1, 2, 3], { invoke: async (r) => ({ consumed: r.messages[0]!.offset, error: new Error('boom') }) })
    await t.run()
    assert.deepEqual(t.commits, ['1'], 'offset 0 was marked: the commit is the next to read')
    assert.equal(t.paused, true)
    assert.deepEqual(t.seeks, ['1'])
    assert.deepEqual(
      t.events['consumer.consuming.retry']!.map((r) => [r.offset, r.attempt, r.backoffMs]),
      [['1', 1, 10]],
    )
    await until('the resume', () => t.resumes.length === 1)
    assert.deepEqual(t.events['client.resume']?.length, 1)
  })

  it('traces each handler call as a process span; a retry and a dead letter are events on the failed call', async () => {
    const exporter = new InMemorySpanExporter()
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }))
    try {
      const t = harness([11, 12, 13, 14], {
        route: { deadLetter: 'jobs.dlq', batch: { maxSize: 10, maxWaitMs: 50 } },
        invoke: async (r) => {
          const bad = r.messages.findIndex((m) => m.tombstone === false && (m.payload as { n: number }).n === 13)
          return bad < 0 ? { consumed: r.messages.at(-1)?.offset } : { consumed: r.messages[bad - 1]?.offset, error: new TypeError('13') }
        },
      })
      for (let run = 1; run <= 3; run++) await t.run()
      const spans = exporter.getFinishedSpans()
      assert.deepEqual(
        spans.map((s) => [s.name, s.attributes['karafka.attempt'], s.attributes['messaging.kafka.offset'], s.events.map((e) => e.name)]),
        [
          ['process jobs', 1, 0, ['retry', 'exception']],
          ['process jobs', 2, 2, ['retry', 'exception']],
          ['process jobs', 3, 2, ['dead_letter', 'exception']],
          ['process jobs', 1, 3, []],
        ],
      )
      assert.deepEqual(
        spans.map((s) => s.status.code),
        [SpanStatusCode.ERROR, SpanStatusCode.ERROR, SpanStatusCode.ERROR, SpanStatusCode.UNSET],
      )
      assert.equal(spans[2]!.events[0]!.attributes?.['messaging.destination.name'], 'jobs.dlq')
      assert.equal(spans[0]!.attributes['messaging.batch.message_count'], 4)
    } finally {
      trace.disable()
    }
  })

  it('counts attempts per message across runs and dead-letters it at retry.attempts, then goes on after it', async () => {
    const failAt13 = async (r: InvokeRequest): Promise<InvokeResult> => {
      const bad = r.messages.find((m) => m.tombstone === false && (m.payload as { n: number }).n === 13)
      return bad
        ? { consumed: r.messages[r.messages.indexOf(bad) - 1]?.offset, error: new TypeError('cannot handle 13') }
        : { consumed: r.messages.at(-1)?.offset }
    }
    const t = harness([11, 12, 13, 14], { route: { deadLetter: 'jobs.dlq' }, invoke: failAt13 })
    for (let run = 1; run <= 3; run++) await t.run() // kafkajs hands the batch over again after each seek
    assert.deepEqual(
      t.calls.map((c) => [c.offsets[0], c.attempt]),
      [
        ['0', 1],
        ['2', 2],
        ['2', 3],
        ['3', 1],
      ],
    )
    assert.equal(t.deadLetters.length, 1)
    const { topic, record } = t.deadLetters[0]!
    assert.equal(topic, 'jobs.dlq')
    assert.deepEqual(
      { ...record.headers, event_name: undefined },
      {
        event_name: undefined,
        source_topic: TOPIC,
        source_partition: '0',
        source_offset: '2',
        source_consumer_group: 'g',
        error_class: 'TypeError',
        error_message: 'cannot handle 13',
        attempts: '3',
      },
    )
    assert.equal(t.commits.at(-1), '4', 'everything up to the end is committed, the dead letter included')
  })

  it('an invalid message goes to the dead-letter topic with attempts 0 and is never handed to the handler', async () => {
    const t = harness([1, 'not json', 3], { route: { deadLetter: 'jobs.dlq' } })
    await t.run()
    assert.deepEqual(
      t.calls.map((c) => c.offsets),
      [['0'], ['2']],
    )
    assert.equal(t.deadLetters[0]!.record.headers!.attempts, '0')
    assert.equal(t.deadLetters[0]!.record.headers!.error_class, 'InvalidMessage')
    assert.equal(t.commits.at(-1), '3')
  })

  it('without a dead-letter topic the partition stops at an invalid message: nothing after it is handled or committed', async () => {
    const t = harness([1, 'not json', 3])
    await t.run()
    assert.deepEqual(
      t.calls.map((c) => c.offsets),
      [['0']],
    )
    assert.deepEqual(t.commits, ['1'])
    assert.equal(t.paused, true)
    assert.deepEqual(t.seeks, ['1'])
    assert.equal(t.events['consumer.consuming.pause']![0]!.offset, '1')
    const error = t.events['error.occurred']!.find((e) => e.type === 'consumer.invalid_message')!.error as Error & { code?: string }
    assert.equal(error.code, 'MESSAGE_INVALID')
  })

  it('a rebalance during the handler aborts its signal and commits nothing, even when it returns normally', async () => {
    let signal: AbortSignal | undefined
    let t: ReturnType<typeof harness>
    t = harness([1, 2], {
      invoke: async (r) => {
        signal = r.context.signal
        t.rebalance()
        await new Promise((resolve) => setTimeout(resolve, 20))
        return { consumed: r.messages.at(-1)!.offset }
      },
    })
    await t.run()
    assert.equal(signal?.aborted, true)
    assert.equal((signal?.reason as { code?: string } | undefined)?.code, 'PARTITION_REVOKED')
    assert.deepEqual(t.commits, [])
    assert.deepEqual(t.seeks, [], 'no retry either: the new owner starts from the last commit')
  })

  it('a rebalance aborts running handlers at once, not at the next heartbeat', async () => {
    let abortedAtOnce: boolean | undefined
    let t: ReturnType<typeof harness>
    t = harness([1], {
      heartbeatIntervalMs: 60_000,
      invoke: async (r) => {
        t.rebalance()
        t.runner.rebalancing() // what the poller does when kafkajs says the group rebalances
        abortedAtOnce = r.context.signal.aborted
        return { consumed: r.messages[0]!.offset }
      },
    })
    await t.run()
    assert.equal(abortedAtOnce, true)
    assert.deepEqual(t.commits, [])
  })

  it('a failed heartbeat during a long handler means the partition may be gone: abort, commit nothing', async () => {
    const t = harness([1], {
      heartbeat: async () => {
        throw new Error('rebalance in progress')
      },
      invoke: async (r) => {
        await new Promise((resolve) => r.context.signal.addEventListener('abort', resolve))
        return { consumed: r.messages[0]!.offset }
      },
    })
    await t.run()
    assert.deepEqual(t.commits, [])
    assert.equal(t.events['error.occurred']!.filter((e) => e.type === 'consumer.heartbeat.error').length >= 1, true)
  })

  it('a transient failure (throttled) backs off without counting an attempt', async () => {
    let throttled = true
    const t = harness([1], {
      invoke: async (r) => {
        if (!throttled) return { consumed: r.messages[0]!.offset }
        throttled = false
        return { consumed: undefined, error: new Error('Rate Exceeded'), transient: true }
      },
    })
    await t.run()
    await t.run()
    assert.deepEqual(
      t.calls.map((c) => c.attempt),
      [1, 1],
    )
    assert.deepEqual(t.commits, ['1'])
  })

  it('the shutdown timeout aborts a running handler', async () => {
    let t: ReturnType<typeof harness>
    let reason: unknown
    t = harness([1], {
      invoke: async (r) => {
        setTimeout(() => t.shutdown(new Error('shutdown timeout')), 5)
        await new Promise((resolve) => r.context.signal.addEventListener('abort', resolve))
        reason = r.context.signal.reason
        return { consumed: undefined, error: reason as Error }
      },
    })
    await t.run()
    assert.match(String(reason), /shutdown timeout/)
  })

  it('a failed commit is tried again after a pause, and reported', async () => {
    const t = harness([1, 2], { commitFailures: 1 })
    await t.run()
    assert.deepEqual(t.commits, ['2'])
    assert.equal(t.events['error.occurred']!.filter((e) => e.type === 'consumer.commit.error').length, 1)
    assert.deepEqual(
      t.events['offsets.committed']!.map((c) => c.offset),
      ['2'],
    )
  })

  it('a stopped runner drops its pending resumes', async () => {
    const t = harness([1], {
      route: { retry: { attempts: 3, backoffMs: 30, maxBackoffMs: 30 } },
      invoke: async () => ({ consumed: undefined, error: new Error('boom') }),
    })
    await t.run()
    t.runner.stop()
    await new Promise((resolve) => setTimeout(resolve, 60))
    assert.deepEqual(t.resumes, [])
  })
})

describe('virtual partitions (fake consumer)', { timeout: 10_000 }, () => {
  const vp = { virtualPartitions: { by: 'key', max: 4, distribution: 'consistent' as const }, batch: { maxSize: 2, maxWaitMs: 50 } }
  const keys = (n: number) => `key-${n % 6}`
  const slow =
    (ms: number) =>
    async (r: InvokeRequest): Promise<InvokeResult> => {
      await new Promise((resolve) => setTimeout(resolve, ms))
      return { consumed: r.messages.at(-1)!.offset }
    }
  const keyOfOffset = (values: number[]) => (offset: string) => keys(values[Number(offset)]!)

  it('spreads a window over virtual partitions by key: they run at once, each in offset order, and the commit covers the window', async () => {
    const values = Array.from({ length: 24 }, (_, i) => i)
    const t = harness(values, { route: vp, keyOf: keys, invoke: slow(20) })
    await t.run()
    assert.ok(t.concurrency.most > 1, `handler calls ran at once (at most ${t.concurrency.most})`)
    const ofKey = keyOfOffset(values)
    for (const call of t.calls) {
      assert.ok(call.offsets.length <= 2, 'each call takes at most batch.maxSize')
      assert.deepEqual(
        [...call.offsets].sort((a, b) => Number(a) - Number(b)),
        call.offsets,
        'offset order inside a call',
      )
      assert.equal(new Set(call.offsets.map((o) => stableBucket(ofKey(o)))).size, 1, 'one virtual partition per call')
    }
    const handled = t.calls.flatMap((c) => c.offsets)
    assert.deepEqual(
      [...handled].sort((a, b) => Number(a) - Number(b)),
      values.map(String),
      'every message once',
    )
    for (const key of new Set(values.map(keys))) {
      const ofThisKey = handled.filter((o) => ofKey(o) === key)
      assert.deepEqual(
        ofThisKey,
        [...ofThisKey].sort((a, b) => Number(a) - Number(b)),
        `${key} in offset order`,
      )
    }
    assert.equal(t.commits.at(-1), '24')
    assert.ok((t.events['consumer.consume'] ?? []).every((e) => typeof e.virtualPartition === 'number'))
  })

  it('a failure in one virtual partition commits only below the lowest message not handled, then retries collapsed without what the others finished', async () => {
    const values = Array.from({ length: 12 }, (_, i) => i)
    let failOnce = true
    const t = harness(values, {
      route: vp,
      keyOf: keys,
      invoke: async (r) => {
        const bad = r.messages.find((m) => m.tombstone === false && (m.payload as { n: number }).n === 7)
        if (bad && failOnce) {
          failOnce = false
          return { consumed: undefined, error: new Error('7 failed once') }
        }
        return { consumed: r.messages.at(-1)!.offset }
      },
    })
    await t.run()
    const firstRound = t.calls.flatMap((c) => c.offsets)
    const lowestNotDone = Math.min(...t.calls.filter((c) => c.offsets.includes('7')).map((c) => Number(c.offsets[0])))
    assert.equal(t.commits.at(-1), lowestNotDone > 0 ? String(lowestNotDone) : undefined, 'committed up to the lowest message not handled')
    assert.ok(
      t.commits.every((c) => Number(c) <= lowestNotDone),
      'never past it',
    )
    assert.deepEqual(t.seeks, [String(lowestNotDone)])
    await until('the resume', () => t.resumes.length === 1)
    const before = t.calls.length
    await t.run()
    const retried = t.calls.slice(before).flatMap((c) => c.offsets)
    const doneByOthers = firstRound.filter(
      (o) => Number(o) > lowestNotDone && !t.calls.slice(0, before).some((c) => c.offsets.includes(o) && c.offsets.includes('7')),
    )
    for (const o of doneByOthers)
      assert.ok(!retried.includes(o) || Number(o) > 11, `offset ${o}, finished by another virtual partition, is not handed over again`)
    const collapsed = retried.filter((o) => Number(o) <= 11) // the window: the whole batch
    assert.deepEqual(
      collapsed,
      [...collapsed].sort((a, b) => Number(a) - Number(b)),
      'the collapsed retry is in offset order',
    )
    assert.ok(retried.includes('7'))
    assert.equal(t.commits.at(-1), '12', 'then everything is committed')
    const handledTwice = values.map(String).filter((o) => t.calls.flatMap((c) => c.offsets).filter((x) => x === o).length > 1)
    assert.deepEqual(
      handledTwice.filter((o) => !t.calls.slice(0, before).some((c) => c.offsets.includes(o) && c.offsets.includes('7'))),
      [],
      'only messages of the failed call are handled again',
    )
  })

  it('ctx.markAsConsumed works inside a virtual partition: a failure after a mark commits up to the mark', async () => {
    let failOnce = true
    const t = harness(eight, {
      route: vp,
      invoke: async (r) => {
        if (failOnce && r.messages.some((m) => m.offset === '3')) {
          failOnce = false
          return { consumed: '2', error: new Error('failed after marking 2') }
        }
        return { consumed: r.messages.at(-1)!.offset }
      },
    })
    await t.run()
    assert.deepEqual(t.calls[1]?.offsets, ['2', '3'], 'one key: one virtual partition, in chunks of batch.maxSize')
    assert.deepEqual(t.commits, ['2', '3'], 'committed as the window goes, then up to the mark')
    assert.deepEqual(t.seeks, ['3'])
  })

  /** The virtual-partition route with `attempts` tries (10 ms backoff) and a dead-letter topic. */
  const vpWithDeadLetters = (attempts: number) => ({ ...vp, retry: { attempts, backoffMs: 10, maxBackoffMs: 10 }, deadLetter: 'jobs.dlq' })
  // Keys 'a' and 'b' land on virtual partitions 0 and 1 of 4: one value per message names its key.
  const ab = (n: number) => ['a', 'b'][n]!
  const failing =
    (offsets: string[], onCall?: (r: InvokeRequest) => Promise<void>) =>
    async (r: InvokeRequest): Promise<InvokeResult> => {
      await onCall?.(r)
      const bad = r.messages.find((m) => offsets.includes(m.offset))
      if (bad) return { consumed: undefined, error: new Error(`${bad.offset} failed`) }
      return { consumed: r.messages.at(-1)!.offset }
    }

  it('a graceful stop while one virtual partition fails: the other, stopped below it, is neither retried nor dead-lettered for it', async () => {
    const t = harness([0, 0, 0, 0, 1, 1], {
      route: vpWithDeadLetters(1),
      keyOf: ab,
      invoke: failing(['4'], async (r) => {
        if (r.messages[0]!.offset !== '0') return
        await new Promise((resolve) => setTimeout(resolve, 5)) // b has started, and failed at 4
        t.stop() // while a's first chunk runs
        await new Promise((resolve) => setTimeout(resolve, 10))
      }),
    })
    await t.run()
    assert.ok(
      t.calls.some((c) => c.offsets.includes('4')),
      'b ran',
    )
    assert.ok(!t.calls.some((c) => c.offsets.includes('2')), 'a stopped before its second chunk')
    assert.deepEqual(t.deadLetters, [], "offset 2 was never handled: it is not dead-lettered with 4's error")
    assert.deepEqual(t.commits, ['2'], 'committed up to what a finished in order')
    assert.deepEqual(t.seeks, [], 'no retry is scheduled for a stopping consumer')
  })

  it('a collapsed retry whose last offsets the other virtual partitions finished commits past them', async () => {
    let failures = 0
    const t = harness([0, 0, 1, 1, 1, 1], {
      route: vp,
      keyOf: ab,
      invoke: async (r) =>
        r.messages[0]!.offset === '0' && failures++ === 0
          ? { consumed: undefined, error: new Error('0 failed once') }
          : { consumed: r.messages.at(-1)!.offset },
    })
    await t.run()
    assert.deepEqual(t.commits, [], 'a failed at 0: nothing to commit')
    assert.deepEqual(t.seeks, ['0'])
    await until('the resume', () => t.resumes.length === 1)
    await t.run()
    assert.deepEqual(t.calls.at(-1)?.offsets, ['0', '1'], 'the retry hands over only what b did not finish')
    assert.equal(t.commits.at(-1), '6', 'and commits past 2..5, which b finished: a quiet partition is not fetched again')
    assert.equal(t.resolved.at(-1), '5')
  })

  it('every failed virtual partition counts its attempt: each failed message is tried retry.attempts times, no more', async () => {
    const t = harness([0, 0, 1, 1], {
      route: vpWithDeadLetters(2),
      keyOf: ab,
      invoke: failing(['0', '2']),
    })
    await t.run()
    assert.equal(t.calls.length, 2, 'a and b ran at once, and both failed')
    await until('the resume', () => t.resumes.length === 1)
    await t.run()
    const tries = (offset: string) => t.calls.filter((c) => c.offsets[0] === offset).length
    assert.equal(tries('0'), 2)
    assert.equal(tries('2'), 2, 'b failed in the window: the collapsed retry is its second attempt')
    assert.deepEqual(
      t.deadLetters.map((d) => [d.record.headers?.source_offset, d.record.headers?.attempts]),
      [
        ['0', '2'],
        ['2', '2'],
      ],
    )
    assert.equal(t.commits.at(-1), '4')
  })

  it('with retry.attempts 1, a message that failed in another virtual partition is dead-lettered without being handed over again', async () => {
    const t = harness([0, 0, 1, 1], {
      route: vpWithDeadLetters(1),
      keyOf: ab,
      invoke: failing(['0', '2']),
    })
    await t.run()
    const tries = (offset: string) => t.calls.filter((c) => c.offsets.includes(offset)).length
    assert.deepEqual(
      t.deadLetters.map((d) => [d.record.headers?.source_offset, d.record.headers?.attempts, d.record.headers?.error_message]),
      [
        ['0', '1', '0 failed'],
        ['2', '1', '2 failed'],
      ],
    )
    assert.equal(tries('2'), 1, 'tried once, as retry.attempts says')
    assert.equal(t.commits.at(-1), '4')
  })

  it('a handler that marks its whole batch and then throws: nothing of it is retried, the virtual partition goes on', async () => {
    const t = harness([0, 0, 0, 0, 1, 1], {
      route: vpWithDeadLetters(1),
      keyOf: ab,
      invoke: async (r) =>
        r.messages[0]!.offset === '0'
          ? { consumed: '1', error: new Error('thrown after marking 0 and 1') }
          : { consumed: r.messages.at(-1)!.offset },
    })
    await t.run()
    assert.deepEqual(t.deadLetters, [], 'no message that was never tried is dead-lettered')
    assert.ok(
      t.calls.some((c) => c.offsets[0] === '2'),
      'a went on to its next batch',
    )
    assert.deepEqual(t.seeks, [])
    assert.equal(t.commits.at(-1), '6')
    assert.equal((t.events['error.occurred'] ?? []).filter((e) => e.type === 'consumer.consume.error').length, 1, 'the failure is reported')
  })

  /** A handler that waits until its signal aborts (or a second passes), recording the signals it was given. */
  const waitForAbort = (signals: AbortSignal[], onFirst: () => void) => async (r: InvokeRequest) => {
    signals.push(r.context.signal)
    if (signals.length === 1) setTimeout(onFirst, 10)
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 1000)
      r.context.signal.addEventListener('abort', () => resolve(clearTimeout(timer)))
    })
    return { consumed: r.messages.at(-1)!.offset }
  }
  const eight = Array.from({ length: 8 }, (_, i) => i)
  const virtualPartitionsOf = (values: number[]) => new Set(values.map((v) => stableBucket(keys(v)))).size

  it('a rebalance during a window aborts every virtual partition through ctx.signal and commits nothing', async () => {
    const signals: AbortSignal[] = []
    const t = harness(eight, { route: vp, keyOf: keys, invoke: waitForAbort(signals, () => t.rebalance()) })
    await t.run()
    assert.equal(signals.length, virtualPartitionsOf(eight), 'one call per virtual partition, all at once')
    assert.ok(
      signals.every((s) => s.aborted && (s.reason as { code?: string }).code === 'PARTITION_REVOKED'),
      'every call was aborted',
    )
    assert.deepEqual(t.commits, [])
    assert.deepEqual(t.resolved, [])
  })

  it('the shutdown timeout aborts every virtual partition; what finished in order before it is kept', async () => {
    const signals: AbortSignal[] = []
    const t = harness(eight, {
      route: vp,
      keyOf: keys,
      invoke: waitForAbort(signals, () => t.shutdown(new Error('shutdown timeout'))),
    })
    await t.run()
    assert.equal(signals.length, virtualPartitionsOf(eight))
    assert.ok(signals.every((s) => s.aborted))
    assert.equal(t.calls.length, signals.length, 'no call starts after the shutdown')
    // The calls returned (as a handler ignoring its signal would): the commit covers them up to the first offset not handled.
    const handled = new Set(t.calls.flatMap((c) => c.offsets))
    const firstNotHandled = eight.findIndex((i) => !handled.has(String(i)))
    assert.ok(firstNotHandled > 0 && firstNotHandled < 8, `a gap to commit below (first not handled: ${firstNotHandled})`)
    assert.equal(t.commits.at(-1), String(firstNotHandled))
    assert.ok(t.commits.every((c) => Number(c) <= firstNotHandled))
  })
})

/** The virtual partition index the runner uses for a key (max 4). */
function stableBucket(key: string): number {
  return stableHash(key) % 4
}

/**
 * A fake of the Kafka transactions: claims answer `committed`; commits record what they wrote
 * (`topic:key` of each record) and the offset, and the first `failures` of them throw `failWith`.
 */
function fakeTransactions(
  options: { committed?: string; failures?: number; failWith?: 'TRANSACTION_FAILED' | 'TRANSACTION_FENCED'; retriable?: boolean } = {},
) {
  let failures = options.failures ?? 0
  const claims: string[] = []
  const commits: { offset: string; records: string[] }[] = []
  const writer: TransactionalWriter = {
    claim: async (topic, partition) => {
      claims.push(`${topic}/${partition}`)
      return options.committed
    },
    commit: async (_topic, _partition, records, offset) => {
      if (failures-- > 0)
        throw new KarafkaError(options.failWith ?? 'TRANSACTION_FAILED', 'the broker said no', { retriable: options.retriable ?? true })
      commits.push({ offset, records: records.map((r) => `${r.topic}:${r.record.key}`) })
    },
    release: () => {},
    close: async () => {},
  }
  return { writer, claims, commits }
}

/** A handler of a transactional route: stages out:<offset> per message and marks it; throws at the offsets in `failAt` (after staging). */
function staging(failAt: string[] = []) {
  return async (r: InvokeRequest): Promise<InvokeResult> => {
    const records: StagedRecord[] = []
    let marked: { consumed: string; staged: number } | undefined
    for (const m of r.messages) {
      records.push({ topic: 'out', record: { key: m.offset, value: 'v' } })
      if (failAt.includes(m.offset))
        return { consumed: marked?.consumed, records: records.slice(0, marked?.staged ?? 0), error: new TypeError(`fails at ${m.offset}`) }
      marked = { consumed: m.offset, staged: records.length }
    }
    return { consumed: r.messages.at(-1)?.offset, records }
  }
}

describe('transactional routes (fake consumer and transactions)', { timeout: 10_000 }, () => {
  const transactional = { transactional: true, batch: { maxSize: 2, maxWaitMs: 50 } }

  it('claims the partition once per group generation, then writes each chunk with the offset past it in one transaction, never through the plain commit', async () => {
    const tx = fakeTransactions()
    const t = harness([1, 2, 3], { route: transactional, transactions: tx.writer, invoke: staging() })
    await t.run()
    assert.deepEqual(tx.claims, ['jobs/0'])
    assert.deepEqual(tx.commits, [
      { offset: '2', records: ['out:0', 'out:1'] },
      { offset: '3', records: ['out:2'] },
    ])
    assert.deepEqual(t.commits, [], 'no offset commit outside a transaction')
    assert.deepEqual(t.resolved, ['1', '2'], 'kafkajs moves on past what the transactions committed')
    await t.run()
    assert.deepEqual(tx.claims, ['jobs/0'], 'the same generation: no second claim')
    t.rebalance()
    await t.run()
    assert.deepEqual(tx.claims, ['jobs/0', 'jobs/0'], 'a new generation claims again: someone else may have owned it meanwhile')
  })

  it('when the group committed further than the batch begins (an earlier owner got there), the batch is fetched again from there', async () => {
    const tx = fakeTransactions({ committed: '2' })
    const t = harness([1, 2, 3], { route: transactional, transactions: tx.writer, invoke: staging() })
    await t.run()
    assert.equal(t.calls.length, 0, 'nothing handled from the stale position')
    assert.deepEqual(t.seeks, ['2'])
    await t.run()
    assert.deepEqual(
      t.calls.map((c) => c.offsets),
      [['2']],
    )
    assert.deepEqual(tx.commits, [{ offset: '3', records: ['out:2'] }])
  })

  it("a handler failure writes what it published before its last mark with that mark's offset; what came after is dropped and retried", async () => {
    const tx = fakeTransactions()
    const t = harness([1, 2, 3, 4], {
      route: { ...transactional, batch: { maxSize: 10, maxWaitMs: 50 } },
      transactions: tx.writer,
      invoke: async (r) => (r.context.attempt === 1 ? staging(['2'])(r) : staging()(r)),
    })
    await t.run()
    assert.deepEqual(tx.commits, [{ offset: '2', records: ['out:0', 'out:1'] }])
    assert.deepEqual(t.seeks, ['2'])
    await t.run()
    assert.deepEqual(tx.commits.at(-1), { offset: '4', records: ['out:2', 'out:3'] }, 'the retry writes out:2 once')
  })

  it('a dead letter, what was published before it and the offset past it go in one transaction; the dead-letter topic is not written outside it', async () => {
    const tx = fakeTransactions()
    const t = harness([1, 2, 3], {
      route: {
        ...transactional,
        batch: { maxSize: 10, maxWaitMs: 50 },
        retry: { attempts: 1, backoffMs: 10, maxBackoffMs: 10 },
        deadLetter: 'jobs.dlq',
      },
      transactions: tx.writer,
      invoke: staging(['1']),
    })
    await t.run()
    assert.deepEqual(tx.commits, [
      { offset: '2', records: ['out:0', 'jobs.dlq:k'] },
      { offset: '3', records: ['out:2'] },
    ])
    assert.deepEqual(t.deadLetters, [], 'the plain sender sent nothing')
    assert.equal(t.events['dead_letter_queue.dispatched']?.[0]?.offset, '1')
  })

  it('an invalid message is dead-lettered in a transaction of its own, with the offset past it', async () => {
    const tx = fakeTransactions()
    const t = harness([1, 'not json', 3], {
      route: { ...transactional, deadLetter: 'jobs.dlq' },
      transactions: tx.writer,
      invoke: staging(),
    })
    await t.run()
    assert.deepEqual(tx.commits, [
      { offset: '1', records: ['out:0'] },
      { offset: '2', records: ['jobs.dlq:k'] },
      { offset: '3', records: ['out:2'] },
    ])
  })

  it('a transaction the broker fails is retried from the chunk, no attempt counted, on a partition claimed anew', async () => {
    const tx = fakeTransactions({ failures: 1 })
    const t = harness([1, 2], { route: transactional, transactions: tx.writer, invoke: staging() })
    await t.run()
    assert.deepEqual(tx.commits, [])
    assert.deepEqual(t.seeks, ['0'])
    assert.deepEqual(
      t.events['error.occurred']!.map((e) => [e.type, e.transient]),
      [['consumer.transaction.error', true]],
    )
    assert.deepEqual(
      t.events['consumer.consuming.retry']!.map((r) => [r.offset, r.backoffMs]),
      [['0', 10]],
      "after the route's backoff",
    )
    await t.run()
    assert.deepEqual(
      t.calls.map((c) => [c.offsets[0], c.attempt]),
      [
        ['0', 1],
        ['0', 1],
      ],
      'the same attempt again: the handler did not fail',
    )
    assert.deepEqual(tx.claims, ['jobs/0', 'jobs/0'])
    assert.deepEqual(tx.commits, [{ offset: '2', records: ['out:0', 'out:1'] }])
  })

  it('a fenced member commits nothing and waits two heartbeats for the rebalance that takes the partition', async () => {
    const tx = fakeTransactions({ failures: 1, failWith: 'TRANSACTION_FENCED' })
    const t = harness([1, 2], {
      route: { ...transactional, retry: { attempts: 3, backoffMs: 30, maxBackoffMs: 30 } },
      transactions: tx.writer,
      invoke: staging(),
    })
    await t.run()
    assert.deepEqual(tx.commits, [])
    assert.deepEqual(t.resolved, [])
    assert.equal(t.events['error.occurred']![0]!.type, 'consumer.transaction.fenced')
    assert.deepEqual(
      t.events['consumer.consuming.retry']!.map((r) => [r.offset, r.backoffMs]),
      [['0', 10]],
      'two heartbeats (5 ms each), not the route backoff',
    )
  })

  it('transactions that keep failing for a reason that may pass back off longer each time, up to maxBackoffMs, uncounted', async () => {
    const tx = fakeTransactions({ failures: 3 })
    const t = harness([1], {
      route: { ...transactional, retry: { attempts: 2, backoffMs: 10, maxBackoffMs: 25 } },
      transactions: tx.writer,
      invoke: staging(),
    })
    for (let run = 0; run < 4; run++) await t.run()
    assert.deepEqual(
      t.events['consumer.consuming.retry']!.map((r) => r.backoffMs),
      [10, 20, 25],
    )
    assert.ok(
      t.calls.every((c) => c.attempt === 1),
      'never counted',
    )
    assert.deepEqual(tx.commits, [{ offset: '1', records: ['out:0'] }])
  })

  it('a transaction the broker will refuse again (a record it cannot take) fails the chunk as its handler would: counted, then dead-lettered alone', async () => {
    // Every transaction that carries out:0 is refused; the dead letter alone goes through.
    let refused = 0
    const commits: { offset: string; records: string[] }[] = []
    const writer: TransactionalWriter = {
      claim: async () => undefined,
      commit: async (_topic, _partition, records, offset) => {
        if (records.some((r) => r.topic === 'out' && String(r.record.key) === '0')) {
          refused++
          throw new KarafkaError('TRANSACTION_FAILED', 'MESSAGE_TOO_LARGE', { retriable: false })
        }
        commits.push({ offset, records: records.map((r) => `${r.topic}:${r.record.key}`) })
      },
      release: () => {},
      close: async () => {},
    }
    const t = harness([1, 2], {
      route: {
        ...transactional,
        batch: { maxSize: 1, maxWaitMs: 50 },
        retry: { attempts: 2, backoffMs: 10, maxBackoffMs: 10 },
        deadLetter: 'jobs.dlq',
      },
      transactions: writer,
      invoke: staging(),
    })
    for (let run = 0; run < 2; run++) await t.run() // the second run dead-letters offset 0 and goes on to 1
    assert.deepEqual(
      t.calls.map((c) => [c.offsets[0], c.attempt]),
      [
        ['0', 1],
        ['0', 2],
        ['1', 1],
      ],
    )
    assert.equal(refused, 2)
    assert.deepEqual(commits, [
      { offset: '1', records: ['jobs.dlq:k'] },
      { offset: '2', records: ['out:1'] },
    ])
    assert.equal(t.events['dead_letter_queue.dispatched']?.[0]?.offset, '0')
  })
})
