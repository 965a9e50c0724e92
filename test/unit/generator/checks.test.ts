// The payload checks codegen compiles from field types against the zod schemas beside them: a
// check may answer no to a valid payload, but never yes to one that zod refuses or changes
// (the consumer then skips zod). Valid payloads as producers write them must take the fast path.
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { pathToFileURL } from 'node:url'
import { runCodegen } from '../../../generator/main.js'
import type { Topology } from '../../../src/topology.js'
import { seeded } from '../../helpers/ledger.js'
import { tempProject } from '../../helpers/project.js'

const MANIFEST = `app:
  clientId: checks
  brokers: 127.0.0.1:9092
topics:
  things:
    key: id
    events:
      thing_made:
        id: integer
        name: string
        price: number
        active: boolean
        kind: "enum(a,b,c-d)"
        at: timestamp
        tags: string[]
        grid: integer[][]
        owner?: { id: string, since?: timestamp }
        lines: [{ sku: string, qty?: integer }]
        meta?: json
      thing_dropped: { id: integer }
  pings:
    events:
      ping: {}
consumerGroups:
  g:
    topics:
      things: { handler: handlers/things.ts }
`

const VALID: Record<string, unknown>[] = [
  {
    id: 1,
    name: 'a',
    price: 9.5,
    active: true,
    kind: 'c-d',
    at: '2026-12-05T10:00:00Z',
    tags: [],
    grid: [[1, 2], []],
    owner: { id: 'o', since: '2026-01-01T00:00:00.123+01:00' },
    lines: [{ sku: 's', qty: 2 }, { sku: 't' }],
    meta: { deep: [1, 'x', null, { y: false }] },
  },
  { id: -7, name: '', price: 0, active: false, kind: 'a', at: '2024-02-29T23:59:59.5-05:30', tags: ['x'], grid: [], lines: [] },
]

/** Written into the JSON text as 1e400, which JSON.parse reads as Infinity. */
const INFINITE = '__infinite__'

/** Values that are wrong, odd or surprising somewhere in a payload, as JSON.parse can make them. */
const ODD: unknown[] = [
  undefined,
  null,
  0,
  1.5,
  -0,
  2 ** 60,
  Number.MAX_SAFE_INTEGER,
  INFINITE,
  '',
  'x',
  '2026-12-05',
  '2026-13-01T00:00:00Z',
  '2023-02-29T00:00:00Z',
  '2026-12-05T10:00:00',
  true,
  [],
  [1],
  [[1.5]],
  {},
  { id: 'o' },
  { sku: 's', qty: 'x' },
  JSON.parse('{"__proto__": {"a": 1}}'),
  { extra: 1 },
]

describe('compiled payload checks', () => {
  const project = tempProject({ 'karafka.yml': MANIFEST })
  after(() => project.remove())
  runCodegen({ manifestPath: path.join(project.dir, 'karafka.yml'), cwd: project.dir })
  const topics = async () =>
    ((await import(pathToFileURL(path.join(project.dir, 'generated/karafka.ts')).href)) as { topology: Topology }).topology.topics
  const load = async () => (await topics()).things!.events

  it('take valid payloads as they stand, and zod agrees', async () => {
    const events = await load()
    for (const payload of VALID) {
      assert.equal(events.thing_made!.check!(payload), true, JSON.stringify(payload))
      assert.deepEqual(events.thing_made!.schema.parse(payload), payload)
    }
    assert.equal(events.thing_dropped!.check!({ id: 3 }), true)
    assert.equal((await topics()).pings!.events.ping!.check!({}), true)
    assert.equal((await topics()).pings!.events.ping!.check!({ extra: 1 }), false, 'zod would strip it')
  })

  it('never say yes to a payload zod refuses or would change (20,000 mutations)', async () => {
    const { check, schema } = (await load()).thing_made!
    const random = seeded(20261205)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
    let yes = 0
    let no = 0
    for (let i = 0; i < 20_000; i++) {
      const payload = structuredClone(pick(VALID)) as Record<string, unknown>
      // One to three changes: a field set to an odd value, removed, or added; or one deeper in.
      for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
        const target = random() < 0.3 ? pickContainer(payload, pick) : payload
        const keys = Object.keys(target)
        const key = random() < 0.15 ? `x${Math.floor(random() * 3)}` : (pick(keys.length > 0 ? keys : ['id']) as string)
        if (random() < 0.2) delete target[key]
        else target[key] = structuredClone(pick(ODD))
      }
      const text = JSON.stringify(payload)
      if (text === undefined) continue
      const parsed = JSON.parse(text.replaceAll(`"${INFINITE}"`, '1e400'))
      if (check!(parsed)) {
        yes++
        const zod = schema.safeParse(parsed)
        assert.ok(zod.success, `the check took what zod refuses: ${text}`)
        assert.deepEqual(zod.data, parsed, `zod would change what the check took: ${text}`)
      } else no++
    }
    assert.ok(yes > 500 && no > 5_000, `both answers are exercised (yes ${yes}, no ${no})`)
  })
})

/** An object somewhere inside `payload` (an owner, a line), or the payload itself. */
function pickContainer(payload: Record<string, unknown>, pick: <T>(items: readonly T[]) => T): Record<string, unknown> {
  const inner = [payload.owner, ...(Array.isArray(payload.lines) ? payload.lines : [])].filter(
    (value): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value),
  )
  return inner.length > 0 ? pick(inner) : payload
}
