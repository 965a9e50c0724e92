// The runner against a fake consumer and batch payload, as kafkajs tests its own runner: every
// rule of the batch flow is checked here without a broker; test/integration proves the same
// on a real one.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { EachBatchPayload, KafkaMessage } from 'kafkajs'
import { z } from 'zod'
import { BatchRunner } from '../../../src/consumer/runner.js'
import type { EventName, EventPayloads } from '../../../src/instrumentation/events.js'
import { Monitor } from '../../../src/instrumentation/monitor.js'
import type { InvokeRequest, InvokeResult } from '../../../src/invokers/invoker.js'
import type { Route } from '../../../src/manifest/types.js'
import type { OutgoingRecord } from '../../../src/producer/sender.js'
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
    ...over,
  }
}

/** Kafka messages from offset 0: a number is a valid job, a string is a raw (invalid) value. */
function messages(values: (number | string)[]): KafkaMessage[] {
  return values.map((v, i) => ({
    offset: String(i),
    key: Buffer.from('k'),
    value: Buffer.from(typeof v === 'number' ? JSON.stringify({ event_name: 'job', payload: { id: 'k', n: v } }) : v),
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
  } = {},
) {
  const calls: { offsets: string[]; attempt: number }[] = []
  const commits: string[] = []
  const seeks: string[] = []
  const resumes: number[] = []
  const resolved: string[] = []
  const deadLetters: { topic: string; record: OutgoingRecord }[] = []
  const events: { [E in EventName]?: EventPayloads[E][] } = {}
  let epoch = 0
  let paused = false
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
        return options.invoke ? options.invoke(request) : { consumed: request.messages.at(-1)?.offset }
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
    heartbeatIntervalMs: 5,
    shutdownSignal: shutdown.signal,
  })
  const all = messages(values)
  // Like kafkajs, the next batch starts where the runner last sought to.
  const batch = { topic: TOPIC, partition: 0, messages: all }
  const payload = {
    batch,
    resolveOffset: (offset: string) => void resolved.push(offset),
    heartbeat: options.heartbeat ?? (async () => {}),
    commitOffsetsIfNecessary: async (offsets: { topics: { partitions: { offset: string }[] }[] }) => {
      if (commitFailures-- > 0) throw new Error('coordinator moved')
      commits.push(offsets.topics[0]!.partitions[0]!.offset)
    },
    isRunning: () => true,
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
    commits,
    seeks,
    resumes,
    resolved,
    deadLetters,
    events,
    rebalance: () => epoch++,
    shutdown: (reason: Error) => shutdown.abort(reason),
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
