import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import path from 'node:path'
import { describe, it } from 'node:test'
import { createWriter } from '../../../generator/emitters/writer.js'

/** The code-block-writer package directory that `from` loads. */
const packageDir = (from: string) => {
  const entry = createRequire(from).resolve('code-block-writer')
  return entry.slice(0, entry.lastIndexOf(`${path.sep}code-block-writer${path.sep}`))
}

describe('the codegen writer', () => {
  it("is ts-morph's CodeBlockWriter: the same code-block-writer package ts-morph re-exports", () => {
    const tsMorphCommon = createRequire(import.meta.url).resolve('@ts-morph/common')
    assert.equal(packageDir(import.meta.url), packageDir(tsMorphCommon))
  })

  it('writes two-space indents, single quotes and \\n', () => {
    const writer = createWriter()
    writer
      .write('const a = ')
      .quote('x')
      .newLine()
      .write('if (a)')
      .block(() => writer.writeLine('go()'))
    assert.equal(writer.toString(), "const a = 'x'\nif (a) {\n  go()\n}")
  })
})
