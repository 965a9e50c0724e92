import assert from 'node:assert/strict'
import { it } from 'node:test'
import { camelCase, lambdaFunctionName, pascalCase } from '../../../src/manifest/names.js'

it('derives type, method and function names', () => {
  assert.equal(pascalCase('customer_shipping_address_updated'), 'CustomerShippingAddressUpdated')
  assert.equal(pascalCase('orders.dlq'), 'OrdersDlq')
  assert.equal(camelCase('user_created'), 'userCreated')
  assert.equal(lambdaFunctionName('karafka-example-', 'example', 'orders.v2'), 'karafka-example-example-orders-v2')
  assert.equal(lambdaFunctionName('p-', 'g'.repeat(40), 't'.repeat(40)).length, 64)
})
