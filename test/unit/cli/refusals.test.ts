import assert from 'node:assert/strict'
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { karafkaInProcess } from '../../helpers/cli.js'
import { snapshotFiles } from '../../helpers/files.js'
import { REPO } from '../../helpers/project.js'

// Every rule lives in the loader, so every command refuses the same manifests with the same
// located error: here each bad fixture goes through `karafka info` and `karafka codegen`.
describe('every command refuses what codegen refuses', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'karafka-refusals-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  cpSync(path.join(REPO, 'test/fixtures/manifests/bad'), dir, { recursive: true })
  const fixtures = readdirSync(dir).filter((name) => name.endsWith('.yml'))

  it('has the fixtures of the rules codegen used to check alone', () => {
    for (const name of ['outdir-outside-project.yml', 'schema-module-missing.yml', 'event-named-tombstone.yml', 'handler-in-outdir.yml'])
      assert.ok(fixtures.includes(name), name)
  })

  for (const name of fixtures) {
    it(`${name}: info and codegen exit 2 with the same error, and nothing is written`, async () => {
      const before = snapshotFiles(dir)
      const cwd = process.cwd()
      // The fixtures' variables are unset, as in the loader's own tests (the suite sets KAFKA_BROKERS).
      const saved = { ...process.env }
      for (const [, variable] of readFileSync(path.join(dir, name), 'utf8').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g))
        delete process.env[variable!]
      process.chdir(dir)
      try {
        const info = await karafkaInProcess(['info', '--manifest', name])
        const codegen = await karafkaInProcess(['codegen', '--manifest', name])
        assert.equal(info.code, 2, info.stderr)
        assert.equal(codegen.code, 2, codegen.stderr)
        assert.equal(codegen.stderr, info.stderr)
        assert.match(info.stderr, new RegExp(`^${name.replace('.', '\\.')}:\\d+:\\d+ `))
      } finally {
        process.chdir(cwd)
        Object.assign(process.env, saved)
      }
      assert.deepEqual(snapshotFiles(dir), before)
    })
  }
})
