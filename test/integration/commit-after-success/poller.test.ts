import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createTestApp, recordingHandler, type TestApp, waitFor } from '../../helpers/app.js'
import { committedOffsets, uniqueName } from '../../helpers/kafka.js'

function manifest(orders: string, audit: string, groups: string): string {
  return `app:
  clientId: poller-test
  brokers: \${KAFKA_BROKERS}
topics:
  ${orders}:
    partitions: 4
    key: customerId
    events:
      order_placed: { customerId: string, seq: integer }
  ${audit}:
    partitions: 2
    key: id
    events:
      audited: { id: string }
consumerGroups:
${groups}`
}

async function publish(app: TestApp, topic: string, customers: number, perCustomer: number): Promise<void> {
  const responder = app.generated.responders[topic]
  const sends = []
  for (let seq = 0; seq < perCustomer; seq++)
    for (let c = 0; c < customers; c++) sends.push(responder.orderPlaced({ customerId: `c${c}`, seq }))
  await Promise.all(sends)
}

describe('the poller commits after success (real broker)', () => {
  const apps: TestApp[] = []
  after(() => Promise.all(apps.map((a) => a.remove())))

  it('handles every message exactly once in per-key order, committing last handled + 1 after each batch', async () => {
    const [orders, audit, group] = [uniqueName('orders'), uniqueName('audit'), uniqueName('shop')]
    const app = await createTestApp(
      'clean',
      manifest(orders, audit, `  ${group}:\n    topics:\n      ${orders}: { handler: handlers/orders.ts, batch: { maxSize: 25 } }\n`),
      {
        'handlers/orders.ts': recordingHandler('clean', group, orders),
      },
    )
    apps.push(app)
    await publish(app, orders, 10, 30)
    const server = await app.start()
    await waitFor('300 messages', () => (app.seen[`${group}/${orders}`]?.length ?? 0) >= 300)
    await server.stop()

    const seen = app.seen[`${group}/${orders}`]!
    assert.equal(seen.length, 300)
    assert.equal(new Set(seen.map((m) => `${m.partition}/${m.offset}`)).size, 300, 'each message exactly once')
    for (let c = 0; c < 10; c++) {
      const seqs = seen.filter((m) => m.key === `c${c}`).map((m) => (m.payload as { seq: number }).seq)
      assert.deepEqual(
        seqs,
        Array.from({ length: 30 }, (_, i) => i),
        `customer c${c} out of order`,
      )
    }
    const consumed = app.events['consumer.consumed']!
    assert.ok(
      consumed.every((b) => b.messages <= 25),
      'batches respect batch.maxSize',
    )
    // Commits never run ahead of work done, and every batch ends up covered by a commit of
    // its last offset + 1 (a newer commit may replace one still waiting for the broker).
    const handledBefore = new Map<string, bigint>()
    for (const entry of app.timeline) {
      if (entry[0] === 'consumer.consumed') handledBefore.set(`${entry[1].topic}/${entry[1].partition}`, BigInt(entry[1].lastOffset) + 1n)
      if (entry[0] === 'offsets.committed') {
        const key = `${entry[1].topic}/${entry[1].partition}`
        assert.ok(BigInt(entry[1].offset) <= (handledBefore.get(key) ?? 0n), `commit ${key}@${entry[1].offset} ran ahead of the work done`)
      }
    }
    for (const batch of consumed) {
      const end = BigInt(batch.lastOffset) + 1n
      assert.ok(
        app.events['offsets.committed']!.some((c) => c.topic === batch.topic && c.partition === batch.partition && BigInt(c.offset) >= end),
        `no commit covers ${batch.topic}/${batch.partition}@${batch.lastOffset}`,
      )
    }
    const last = await committedOffsets(group, orders)
    for (const [partition, offset] of Object.entries(last)) {
      const handled = seen.filter((m) => m.partition === Number(partition)).map((m) => BigInt(m.offset))
      // biome-ignore lint/complexity/useMathMinMax: offsets are bigints, which Math.max does not take
      assert.equal(offset, handled.length ? String(handled.reduce((a, b) => (a > b ? a : b)) + 1n) : '-1')
    }
  })

  it('a restarted poller resumes from the committed offsets without reprocessing', async () => {
    const [orders, audit, group] = [uniqueName('orders'), uniqueName('audit'), uniqueName('shop')]
    const app = await createTestApp(
      'restart',
      manifest(orders, audit, `  ${group}:\n    topics:\n      ${orders}: { handler: handlers/orders.ts }\n`),
      {
        'handlers/orders.ts': recordingHandler('restart', group, orders),
      },
    )
    apps.push(app)
    await publish(app, orders, 4, 10)
    const first = await app.start()
    await waitFor('40 messages', () => (app.seen[`${group}/${orders}`]?.length ?? 0) >= 40)
    await first.stop()
    await publish(app, orders, 4, 5)
    const second = await app.start()
    await waitFor('60 messages', () => (app.seen[`${group}/${orders}`]?.length ?? 0) >= 60)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    await second.stop()
    const seen = app.seen[`${group}/${orders}`]!
    assert.equal(seen.length, 60, 'nothing handled twice')
    assert.equal(new Set(seen.map((m) => `${m.partition}/${m.offset}`)).size, 60)
  })

  it('two pollers in one group share the partitions and together handle every message', async () => {
    const [orders, audit, group] = [uniqueName('orders'), uniqueName('audit'), uniqueName('shop')]
    const app = await createTestApp(
      'shared',
      manifest(orders, audit, `  ${group}:\n    topics:\n      ${orders}: { handler: handlers/orders.ts }\n`),
      {
        'handlers/orders.ts': recordingHandler('shared', group, orders),
      },
    )
    apps.push(app)
    const one = await app.start()
    const two = await app.start()
    await waitFor('both members to own partitions', () => {
      const assigned = app.events['rebalance.partitions_assigned'] ?? []
      const latest = assigned.slice(-2)
      return latest.length === 2 && latest.every((a) => a.partitions.length === 2)
    })
    await publish(app, orders, 20, 5)
    await waitFor('100 messages', () => (app.seen[`${group}/${orders}`]?.length ?? 0) >= 100)
    await Promise.all([one.stop(), two.stop()])
    const seen = app.seen[`${group}/${orders}`]!
    assert.equal(new Set(seen.map((m) => `${m.partition}/${m.offset}`)).size, 100)
    const latest = (app.events['rebalance.partitions_assigned'] ?? []).slice(-2).map((a) => a.partitions.map((p) => p.partition).sort())
    assert.deepEqual([...latest.flat()].sort(), [0, 1, 2, 3], 'the two members split the four partitions')
  })

  it('runs the handlers of two topics in one group, and --group selects groups', async () => {
    const [orders, audit, shop, compliance] = [uniqueName('orders'), uniqueName('audit'), uniqueName('shop'), uniqueName('compliance')]
    const groups = `  ${shop}:\n    topics:\n      ${orders}: { handler: handlers/orders.ts }\n      ${audit}: { handler: handlers/audit.ts }\n  ${compliance}:\n    topics:\n      ${audit}: { handler: handlers/compliance.ts }\n`
    const app = await createTestApp('groups', manifest(orders, audit, groups), {
      'handlers/orders.ts': recordingHandler('groups', shop, orders),
      'handlers/audit.ts': recordingHandler('groups', shop, audit),
      'handlers/compliance.ts': recordingHandler('groups', compliance, audit),
    })
    apps.push(app)
    const server = await app.start({ groups: [shop] })
    await publish(app, orders, 3, 2)
    await Promise.all(['a1', 'a2', 'a3'].map((id) => app.generated.responders[audit].audited({ id })))
    await waitFor(
      'both topics handled',
      () => (app.seen[`${shop}/${orders}`]?.length ?? 0) >= 6 && (app.seen[`${shop}/${audit}`]?.length ?? 0) >= 3,
    )
    await new Promise((resolve) => setTimeout(resolve, 1000))
    await server.stop()
    assert.equal(app.seen[`${compliance}/${audit}`], undefined, 'the unselected group did not run')
    assert.deepEqual(
      app.events['app.running']?.map((e) => e.groups),
      [[shop]],
    )
    assert.deepEqual(await committedOffsets(compliance, audit), { 0: '-1', 1: '-1' })
  })
})
