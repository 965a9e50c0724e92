import assert from 'node:assert/strict'
import { it } from 'node:test'
import { isTransientAwsError } from '../../../src/retry/aws-errors.js'

/** An error shaped as the AWS SDK throws them. */
const sdkError = (name: string, status?: number, code?: string) =>
  Object.assign(new Error(name), { name, ...(code ? { code } : {}), $metadata: status === undefined ? {} : { httpStatusCode: status } })

it("classifies AWS calls with the SDK's own classifiers: throttling, network, server errors are transient", () => {
  assert.equal(isTransientAwsError(sdkError('TooManyRequestsException', 429)), true)
  assert.equal(isTransientAwsError(sdkError('ServiceException', 500)), true)
  assert.equal(isTransientAwsError(sdkError('Error', undefined, 'ECONNREFUSED')), true)
  assert.equal(isTransientAwsError(sdkError('TimeoutError')), true)
  assert.equal(isTransientAwsError(sdkError('ResourceNotFoundException', 404)), false)
  assert.equal(isTransientAwsError(sdkError('InvalidRequestContentException', 400)), false)
})
