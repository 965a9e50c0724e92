import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { after, it } from 'node:test'
import { inflateRawSync } from 'node:zlib'
import { runCodegen } from '../../../generator/main.js'
import { buildFunctions, lambdaRoutes } from '../../../src/lambda/build.js'
import { createZip } from '../../../src/lambda/zip.js'
import { loadManifest } from '../../../src/manifest/index.js'
import { tempProject } from '../../helpers/project.js'

it('a zip is byte-for-byte identical for identical inputs, in any order, and holds them intact', () => {
  const a = { name: 'index.mjs', data: Buffer.from('export const handler = () => 1\n') }
  const b = { name: 'README', data: Buffer.from('x'.repeat(1000)) }
  const zip = createZip([a, b])
  assert.ok(zip.equals(createZip([b, a])))
  assert.equal(zip.readUInt32LE(0), 0x04034b50)
  // The first entry is README (sorted), stored with the fixed 1980-01-01 date.
  assert.equal(zip.readUInt16LE(12), (1 << 5) | 1)
  const nameLength = zip.readUInt16LE(26)
  assert.equal(zip.subarray(30, 30 + nameLength).toString(), 'README')
  const compressed = zip.subarray(30 + nameLength, 30 + nameLength + zip.readUInt32LE(18))
  assert.ok(inflateRawSync(compressed).equals(b.data))
})

it('karafka build bundles each lambda route and rebuilds byte-identical zips', async () => {
  const project = tempProject({
    'karafka.yml': `app: { clientId: b, brokers: 127.0.0.1:9092 }\nlambda: { region: us-east-1, functionPrefix: b- }\ntopics:\n  t:\n    events:\n      e: { id: string }\nconsumerGroups:\n  g:\n    topics:\n      t: { handler: handlers/t.ts, backend: lambda }\n`,
  })
  after(() => project.remove())
  runCodegen({ manifestPath: path.join(project.dir, 'karafka.yml'), cwd: project.dir })
  const manifest = loadManifest(path.join(project.dir, 'karafka.yml'))
  const [first] = await buildFunctions(manifest, lambdaRoutes(manifest))
  assert.equal(first!.functionName, 'b-g-t')
  assert.equal(first!.zip, path.join(project.dir, 'dist/lambda/b-g-t.zip'))
  assert.match(readFileSync(first!.bundle, 'utf8'), /createLambdaHandler/)
  const bytes = readFileSync(first!.zip)
  const [second] = await buildFunctions(manifest, lambdaRoutes(manifest))
  assert.equal(second!.changed, false)
  assert.equal(second!.sha256, first!.sha256)
  assert.ok(readFileSync(second!.zip).equals(bytes))
  assert.throws(() => lambdaRoutes(manifest, 'g/nope'), /no lambda route g\/nope/)
})
