import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { after, it } from 'node:test'
import { runCodegen } from '../../../generator/main.js'
import { KarafkaError } from '../../../src/errors/index.js'
import { loadHandlers } from '../../../src/invokers/local.js'
import { loadManifest } from '../../../src/manifest/index.js'
import { tempProject } from '../../helpers/project.js'

it("handlers load once at start; a missing file, a wrong default export or another route's consumer fails fast, naming the manifest line", async () => {
  const project = tempProject({
    'karafka.yml': `app: { clientId: h, brokers: 127.0.0.1:9092 }\ntopics:\n  a:\n    events:\n      a_done: { id: string }\n  b:\n    events:\n      b_done: { id: string }\nconsumerGroups:\n  g:\n    topics:\n      a: { handler: handlers/a.ts }\n      b: { handler: handlers/b.ts }\n`,
  })
  after(() => project.remove())
  const file = path.join(project.dir, 'karafka.yml')
  runCodegen({ manifestPath: file, cwd: project.dir })
  const manifest = loadManifest(file)
  const loaded = await loadHandlers(manifest, manifest.routes)
  assert.deepEqual([...loaded.keys()], ['g/a', 'g/b'])

  // Each case names its own handler file: modules are cached per URL, as they are in a server.
  const failure = async (handler: string, code: string | undefined, pattern: RegExp) => {
    project.write('karafka.yml', readFileSync(file, 'utf8').replace(/handlers\/[\w-]+\.ts \}\n {6}b:/, `${handler} }\n      b:`))
    if (code !== undefined) project.write(handler, code)
    const fresh = loadManifest(file)
    await assert.rejects(
      loadHandlers(
        fresh,
        fresh.routes.filter((r) => r.topic === 'a'),
      ),
      (error: unknown) => {
        assert.ok(error instanceof KarafkaError && error.code === 'HANDLER_INVALID', String(error))
        assert.match(error.message, pattern)
        assert.ok(error.hint)
        return true
      },
    )
  }
  await failure('handlers/missing.ts', undefined, /karafka\.yml:12:\d+ the handler of g\/a, handlers\/missing\.ts, does not exist/)
  await failure('handlers/no-default.ts', 'export const handler = () => {}\n', /has no default export made by defineConsumer/)
  await failure(
    'handlers/other-route.ts',
    "import { defineConsumer } from '../generated/karafka.js'\nexport default defineConsumer('g', 'b', async () => {})\n",
    /defines the consumer of g\/b/,
  )
})
