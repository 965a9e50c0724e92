import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { appName, scaffold } from '../../../src/init/scaffold.js'
import { loadManifest } from '../../../src/manifest/index.js'
import { snapshotFiles } from '../../helpers/files.js'

function project(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'karafka-init-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text)
  return dir
}

const NPM_INIT = `{\n  "name": "@acme/billing",\n  "version": "1.0.0",\n  "type": "commonjs",\n  "scripts": {\n    "test": "echo \\"Error: no test specified\\" && exit 1",\n    "dev": "vite"\n  }\n}\n`

describe('karafka init (scaffold)', () => {
  it('writes the users app, named after the package, with a manifest the loader accepts', () => {
    const dir = project({ 'package.json': NPM_INIT })
    const { steps, name } = scaffold({ dir, lambda: false })
    assert.equal(name, 'billing')
    assert.deepEqual(
      steps.map((s) => `${s.action} ${s.file}`),
      ['created karafka.yml', 'updated package.json', 'created .gitignore', 'created tsconfig.json', 'created test/users.test.ts'],
    )
    const manifest = loadManifest(path.join(dir, 'karafka.yml'), { env: {} })
    assert.deepEqual(Object.keys(manifest.topics), ['users'])
    assert.equal(manifest.topics.users!.key, 'id')
    assert.deepEqual(manifest.topics.users!.config, { 'cleanup.policy': 'compact' })
    assert.deepEqual(Object.keys(manifest.topics.users!.events), ['user_created', 'user_deleted'])
    assert.deepEqual(
      manifest.routes.map((r) => `${r.group}/${r.topic} ${r.backend} ${r.handler}`),
      ['billing/users local handlers/users.ts'],
    )
    assert.equal(manifest.lambda, undefined)
    assert.match(
      readFileSync(path.join(dir, 'karafka.yml'), 'utf8'),
      /^# yaml-language-server: \$schema=node_modules\/karafka-ts\/schema\/karafka\.schema\.json$/m,
    )
  })

  it("adds scripts without changing those that are there, npm's placeholder test aside, and makes the package an ES module", () => {
    const dir = project({ 'package.json': NPM_INIT })
    scaffold({ dir, lambda: false })
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      type: string
      version: string
      scripts: Record<string, string>
    }
    assert.equal(pkg.type, 'module')
    assert.equal(pkg.version, '1.0.0')
    assert.equal(pkg.scripts.dev, 'vite', 'an existing script is kept')
    assert.equal(pkg.scripts.codegen, 'karafka codegen')
    assert.equal(pkg.scripts.server, 'karafka server')
    assert.match(pkg.scripts.test!, /--import karafka-ts\/register --test/)
  })

  it('never overwrites: a second run changes nothing, and files that were there are kept', () => {
    const dir = project({ 'package.json': NPM_INIT, 'tsconfig.json': '{ "compilerOptions": {} }\n', '.gitignore': 'node_modules\n/dist\n' })
    const first = scaffold({ dir, lambda: false })
    assert.equal(first.steps.find((s) => s.file === 'tsconfig.json')?.action, 'kept')
    assert.equal(readFileSync(path.join(dir, 'tsconfig.json'), 'utf8'), '{ "compilerOptions": {} }\n')
    assert.equal(readFileSync(path.join(dir, '.gitignore'), 'utf8'), 'node_modules\n/dist\ngenerated/\n.karafka/\n')
    const before = snapshotFiles(dir)
    const second = scaffold({ dir, lambda: true })
    assert.deepEqual(
      second.steps.map((s) => s.action),
      ['kept', 'kept', 'kept', 'kept', 'kept'],
    )
    assert.deepEqual(snapshotFiles(dir), before)
  })

  it('--lambda adds the lambda block and a consumer group whose route runs on Lambda', () => {
    const dir = project({ 'package.json': '{ "name": "shop" }' })
    scaffold({ dir, lambda: true })
    const manifest = loadManifest(path.join(dir, 'karafka.yml'), { env: {} })
    assert.equal(manifest.lambda?.runtime, 'nodejs24.x')
    assert.deepEqual(
      manifest.routes.map((r) => `${r.group}/${r.topic} ${r.backend} ${r.functionName ?? ''}`.trim()),
      ['shop/users local', 'shop-mailer/users lambda shop-mailer-users'],
    )
  })

  it('an existing manifest is kept, and no test is written for routes it may not have', () => {
    const dir = project({ 'karafka.yml': 'app: { clientId: mine, brokers: "k:9092" }\ntopics: {}\n' })
    const { steps } = scaffold({ dir, lambda: false })
    assert.equal(steps.find((s) => s.file === 'karafka.yml')?.action, 'kept')
    assert.equal(steps.find((s) => s.file === 'test/users.test.ts')?.action, 'skipped')
    assert.equal(readFileSync(path.join(dir, 'karafka.yml'), 'utf8'), 'app: { clientId: mine, brokers: "k:9092" }\ntopics: {}\n')
  })

  it('names apps as Kafka and Lambda take them', () => {
    assert.equal(appName('@acme/Billing.Service', '/x'), 'Billing-Service')
    assert.equal(appName(undefined, '/home/me/my shop'), 'my-shop')
    assert.equal(appName('123', '/x'), 'app-123')
    assert.equal(appName('', '/'), 'app')
  })
})
