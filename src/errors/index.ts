export { ERROR_CODES, type ErrorCode } from './codes.js'
export { KarafkaError, ArgumentsError, type ErrorContext, type KarafkaErrorOptions } from './karafka-error.js'
export { ManifestError, formatIssue, type ManifestIssue } from './manifest-error.js'
