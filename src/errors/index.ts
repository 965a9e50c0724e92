export { ERROR_CODES, type ErrorCode } from './codes.js'
export { ArgumentsError, type ErrorContext, KarafkaError, type KarafkaErrorOptions } from './karafka-error.js'
export { formatIssue, ManifestError, type ManifestIssue } from './manifest-error.js'
