import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { applyPlan, type OutputFile, planWrites } from '../../../generator/write.js'
import { KarafkaError } from '../../../src/errors/index.js'

describe('applyPlan', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'karafka-write-'))
  after(() => rmSync(root, { recursive: true, force: true }))

  it('writes every file of the plan', () => {
    const dir = path.join(root, 'ok')
    const files: OutputFile[] = [
      { path: path.join(dir, 'generated', 'a.ts'), content: 'a', kind: 'generated' },
      { path: path.join(dir, 'handlers', 'b.ts'), content: 'b', kind: 'stub' },
    ]
    applyPlan(planWrites(files, path.join(dir, 'generated')))
    assert.equal(readFileSync(files[0]!.path, 'utf8'), 'a')
    assert.equal(readFileSync(files[1]!.path, 'utf8'), 'b')
    assert.deepEqual(readdirSync(path.join(dir, 'generated')), ['a.ts'], 'no temporary file is left')
  })

  it('writes nothing when one file cannot be written: no file, no temporary file, no new directory', () => {
    const dir = path.join(root, 'blocked')
    const files: OutputFile[] = [
      { path: path.join(dir, 'generated', 'a.ts'), content: 'a', kind: 'generated' },
      { path: path.join(dir, 'handlers', 'b.ts'), content: 'b', kind: 'stub' },
    ]
    applyPlan(planWrites([files[0]!], path.join(dir, 'generated'))) // an earlier run's output
    writeFileSync(files[0]!.path, 'old')
    writeFileSync(path.join(dir, 'handlers'), 'a file where a directory should be')
    const changed = { ...files[0]!, content: 'new' }
    assert.throws(
      () => applyPlan(planWrites([changed, files[1]!], path.join(dir, 'generated'))),
      (error: unknown) =>
        error instanceof KarafkaError &&
        error.code === 'CODEGEN_FAILED' &&
        /cannot write .*handlers\/b\.ts: (EEXIST|ENOTDIR); nothing was written/.test(error.message),
    )
    assert.equal(readFileSync(files[0]!.path, 'utf8'), 'old', 'the file written first was not replaced')
    assert.deepEqual(readdirSync(path.join(dir, 'generated')), ['a.ts'], 'its temporary file is gone')
    assert.equal(existsSync(path.join(dir, 'handlers', 'b.ts')), false)
  })
})
