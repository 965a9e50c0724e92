import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { describeType, parseEventSpec, parseFieldType, parseTypeExpression } from '../../../src/manifest/fields.js'

describe('parseTypeExpression', () => {
  it('reads scalars, arrays of any depth and enums', () => {
    assert.deepEqual(parseTypeExpression('integer'), { kind: 'integer' })
    assert.deepEqual(parseTypeExpression('string[][]'), { kind: 'array', of: { kind: 'array', of: { kind: 'string' } } })
    assert.deepEqual(parseTypeExpression('enum(a, b,c)[]'), { kind: 'array', of: { kind: 'enum', values: ['a', 'b', 'c'] } })
  })

  it('rejects unknown types, empty and repeated enums', () => {
    assert.deepEqual(parseTypeExpression('strnig'), { error: 'unknown type "strnig"' })
    assert.deepEqual(parseTypeExpression('integer(3)'), { error: 'unknown type "integer(3)"' })
    assert.deepEqual(parseTypeExpression('enum()'), { error: 'enum needs values: enum(a,b,c)' })
    assert.deepEqual(parseTypeExpression('enum(a,a)'), { error: 'enum values repeat in "enum(a,a)"' })
    assert.ok('error' in parseTypeExpression('string[]x'))
  })
})

describe('parseFieldType and parseEventSpec', () => {
  it('reads a one-element list as an array and a mapping as an object', () => {
    assert.deepEqual(parseFieldType([{ 'sku?': 'string' }]), {
      kind: 'array',
      of: { kind: 'object', fields: [{ name: 'sku', optional: true, type: { kind: 'string' } }] },
    })
  })

  it('reads schema references', () => {
    assert.deepEqual(parseEventSpec('./schemas/invoice.ts#InvoiceIssued'), {
      kind: 'ref',
      module: './schemas/invoice.ts',
      exportName: 'InvoiceIssued',
    })
    assert.throws(() => parseEventSpec('./schemas/invoice.ts'))
  })

  it('describes types for messages', () => {
    assert.equal(describeType(parseFieldType('enum(x,y)[]')), 'enum(x,y)[]')
  })
})
