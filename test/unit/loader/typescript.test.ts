import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { typeScriptSibling } from '../../../src/loader/typescript.js'

describe('the TypeScript loader', () => {
  const parent = 'file:///app/handlers/users.ts'

  it('finds ./x.ts for the ./x.js an ES module of the app imports', () => {
    assert.equal(typeScriptSibling('../generated/karafka.js', parent), '../generated/karafka.ts')
    assert.equal(typeScriptSibling('./schema.mjs', parent), './schema.mts')
  })

  it('leaves packages, other extensions and node_modules alone', () => {
    assert.equal(typeScriptSibling('karafka-ts', parent), undefined)
    assert.equal(typeScriptSibling('./data.json', parent), undefined)
    assert.equal(typeScriptSibling('./x.js', 'file:///app/node_modules/lib/index.js'), undefined)
    assert.equal(typeScriptSibling('./x.js', undefined), undefined)
    assert.equal(typeScriptSibling('./x.js', 'data:text/javascript,'), undefined)
  })
})
