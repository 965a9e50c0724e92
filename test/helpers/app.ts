import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import { runCodegen } from '../../generator/main.js'
import type { EventName, EventPayloads } from '../../src/instrumentation/events.js'
import { Monitor } from '../../src/instrumentation/monitor.js'
import { createKafka } from '../../src/kafka/client.js'
import { loadManifest, type Manifest } from '../../src/manifest/index.js'
import { type Server, type ServerOptions, startServer } from '../../src/server/server.js'
import { applyPlan, planMigration } from '../../src/topics/migrate.js'
import { tempProject } from './project.js'

/** What recording handlers saw, by `group/topic`: one entry per message, in the order handled. */
export type Seen = Record<
  string,
  { key: string | null; offset: string; partition: number; event: string | null; payload: unknown; attempt: number }[]
>

declare global {
  var karafkaTestSeen: Record<string, Seen>
}
globalThis.karafkaTestSeen ??= {}

/** A handler that records every message into globalThis.karafkaTestSeen[app][group/topic], then runs `extra` (messages and ctx in scope). */
export function recordingHandler(app: string, group: string, topic: string, extra = ''): string {
  return `import { defineConsumer } from '../generated/karafka.js'
export default defineConsumer('${group}', '${topic}', async (messages, ctx) => {
  const seen = ((globalThis as any).karafkaTestSeen['${app}'] ??= {})
  const list = (seen['${group}/${topic}'] ??= [])
  for (const m of messages) list.push({ key: m.key, offset: m.offset, partition: m.partition, event: m.event, payload: m.payload, attempt: ctx.attempt })
  ${extra}
})
`
}

export interface TestApp {
  dir: string
  manifest: Manifest
  /** The generated module of the app (responders, closeResponders, ...): its types depend on the test's manifest. */
  // biome-ignore lint/suspicious/noExplicitAny: each test app generates its own API; tests call it as they wrote it
  generated: Record<string, any>
  seen: Seen
  events: { [E in EventName]?: EventPayloads[E][] }
  /** Every event in the order emitted. */
  timeline: { [E in EventName]: [E, EventPayloads[E]] }[EventName][]
  start(options?: Partial<ServerOptions>): Promise<Server>
  remove(): Promise<void>
}

/** Writes an app (manifest + handlers), generates its code and creates its topics. */
export async function createTestApp(name: string, manifest: string, handlers: Record<string, string>): Promise<TestApp> {
  const project = tempProject({ 'karafka.yml': manifest, ...handlers })
  const manifestPath = path.join(project.dir, 'karafka.yml')
  runCodegen({ manifestPath, cwd: project.dir })
  const loaded = loadManifest(manifestPath)
  const kafka = createKafka(loaded.app)
  await applyPlan(kafka, await planMigration(kafka, loaded))
  const generated = (await import(pathToFileURL(path.join(project.dir, 'generated/karafka.ts')).href)) as TestApp['generated']
  const seen: Seen = {}
  globalThis.karafkaTestSeen[name] = seen
  const servers: Server[] = []
  const events: TestApp['events'] = {}
  const timeline: TestApp['timeline'] = []
  return {
    dir: project.dir,
    manifest: loaded,
    generated,
    seen,
    events,
    timeline,
    async start(options = {}) {
      const monitor = new Monitor()
      monitor.subscribe('*', (payload, event) => {
        events[event] ??= []
        ;(events[event] as unknown[]).push(payload)
        timeline.push([event, payload] as TestApp['timeline'][number])
      })
      const server = await startServer({ manifest: loaded, monitor, ...options })
      servers.push(server)
      return server
    },
    async remove() {
      await Promise.all(servers.map((s) => s.stop()))
      await (generated.closeResponders as () => Promise<void>)()
      project.remove()
    },
  }
}

/** Resolves once `condition()` is true; fails after `timeoutMs` with `what`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(50)
  }
}

/**
 * The manifest of most test apps: one topic of `job` events ({ id, n }, keyed by id) that one
 * consumer group consumes through handlers/jobs.ts. `route` adds to the route's settings,
 * `groupSettings` and `app` add lines (indented) to the group and the app block.
 */
export function jobsManifest(options: {
  clientId: string
  topic: string
  group: string
  partitions?: number
  route?: string
  groupSettings?: string
  app?: string
}): string {
  const { clientId, topic, group, partitions = 1, route, groupSettings = '', app = '' } = options
  return `app:
  clientId: ${clientId}
  brokers: \${KAFKA_BROKERS}
${app}topics:
  ${topic}:
    partitions: ${partitions}
    key: id
    events:
      job: { id: string, n: integer }
consumerGroups:
  ${group}:
${groupSettings}    topics:
      ${topic}: { handler: handlers/jobs.ts${route ? `, ${route}` : ''} }
`
}
