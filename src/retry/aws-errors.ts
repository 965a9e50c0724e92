import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry'

/**
 * True for an AWS call worth trying again without counting it as a failure of the work: the
 * SDK's own classifiers for throttling, transient (network, timeout) and server errors.
 */
export function isTransientAwsError(error: unknown): boolean {
  const sdkError = error as Parameters<typeof isThrottlingError>[0]
  return isThrottlingError(sdkError) || isTransientError(sdkError) || isServerError(sdkError)
}

/** True for a throttled AWS call (429, TooManyRequestsException and the like), by the SDK's own classifier. */
export function isThrottledAwsError(error: unknown): boolean {
  return isThrottlingError(error as Parameters<typeof isThrottlingError>[0])
}
