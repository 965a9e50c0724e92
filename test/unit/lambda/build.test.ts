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

it('karafka build warns, at its manifest line, of each app.ssl file a deployed function cannot read, and says what to give instead', async () => {
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
  const manifestText = (ssl: string) =>
    `app:\n  clientId: b\n  brokers: 127.0.0.1:9092\n  ssl:\n${ssl}lambda: { region: us-east-1, functionPrefix: b- }\ntopics:\n  t:\n    events:\n      e: { id: string }\nconsumerGroups:\n  g:\n    topics:\n      t: { handler: handlers/t.ts, backend: lambda }\n`
  const project = tempProject({
    'certs/ca.pem': pem,
    'certs/secret-name.key': pem.replaceAll('CERTIFICATE', 'PRIVATE KEY'),
    'etc/client.pem': pem,
  })
  after(() => project.remove())
  // The client certificate by its absolute path, which only the build machine has.
  project.write(
    'karafka.yml',
    manifestText(`    ca: certs/ca.pem\n    cert: ${path.join(project.dir, 'etc/client.pem')}\n    key: certs/secret-name.key\n`),
  )
  const file = path.join(project.dir, 'karafka.yml')
  runCodegen({ manifestPath: file, cwd: project.dir })
  const warnings: string[] = []
  const progress: string[] = []
  await buildFunctions(
    loadManifest(file),
    lambdaRoutes(loadManifest(file)),
    (line) => progress.push(line),
    (w) => warnings.push(w),
  )
  const shown = path.relative(process.cwd(), file)
  assert.equal(warnings.length, 3)
  assert.equal(
    warnings[0],
    `${shown}:5:9 app.ssl.ca: the Lambda functions cannot read the file certs/ca.pem: a deployed function looks for it at /var/certs/ca.pem (karafka.yml's place as its bundle, /var/task/index.mjs, sees it), and the zip holds the bundle alone (lambda serve likewise), so each fails at its first send\n` +
      '  hint: give the PEM text: ca: "${KAFKA_CA_PEM:-certs/ca.pem}" keeps the file for local runs, and the functions read KAFKA_CA_PEM from the secret of lambda.secrets (or lambda.environment, which holds 4 KB in all)',
  )
  assert.match(warnings[1]!, /:6:11 app\.ssl\.cert: .* reads it from Lambda's own file system, which has it only if a layer puts it there/)
  assert.match(
    warnings[2]!,
    /:7:10 app\.ssl\.key: the Lambda functions cannot read the key file: .* under \/var\b.*KAFKA_KEY_PEM from the secret of lambda\.secrets$/s,
  )
  assert.ok(!warnings.join('\n').includes('secret-name'), 'the key is never quoted, not even its path')
  assert.equal(progress.filter((line) => line.startsWith('warning:')).length, 0, 'given to onWarning, not to the progress')

  // By default the warnings are progress lines, which every command prints (build, deploy, deploy --dry-run, --template).
  const lines: string[] = []
  await buildFunctions(loadManifest(file), lambdaRoutes(loadManifest(file)), (line) => lines.push(line))
  assert.equal(lines.filter((line) => line.startsWith(`warning: ${shown}:5:9 app.ssl.ca:`)).length, 1)

  // PEM text, or a variable the function's environment gives: nothing to warn of.
  project.write(
    'karafka.yml',
    manifestText(
      `    ca: "\${KAFKA_CA_PEM:-certs/ca.pem}"\n    cert: ${JSON.stringify(pem)}\n    key: ${JSON.stringify(pem.replaceAll('CERTIFICATE', 'PRIVATE KEY'))}\n`,
    ),
  )
  runCodegen({ manifestPath: file, cwd: project.dir })
  const none: string[] = []
  await buildFunctions(
    loadManifest(file),
    lambdaRoutes(loadManifest(file)),
    () => {},
    (w) => none.push(w),
  )
  assert.deepEqual(none, [])
})
