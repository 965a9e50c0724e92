/** Every error code karafka-ts raises, grouped by family. */
export const ERROR_CODES = [
  // manifest and command line
  'MANIFEST_INVALID',
  'MANIFEST_NOT_FOUND',
  'ARGUMENTS_INVALID',
  // codegen and the generated code
  'CODEGEN_FAILED',
  'CODEGEN_MISSING',
  'CODEGEN_STALE',
  // dev broker
  'BROKER_PREREQUISITE_MISSING',
  'BROKER_FETCH_FAILED',
  'BROKER_START_FAILED',
  'BROKER_PORT_IN_USE',
  // events and messages
  'EVENT_INVALID',
  'MESSAGE_INVALID',
  'PRODUCE_FAILED',
  'CONFIG_INVALID',
  // handlers and their invocation
  'HANDLER_INVALID',
  'HANDLER_FAILED',
  'INVOKE_FAILED',
  'FUNCTION_ERROR',
  'LAMBDA_DEADLINE',
  'PARTITION_REVOKED',
  'SHUTDOWN_TIMEOUT',
  // Kafka
  'KAFKA_UNAVAILABLE',
  'KAFKA_ERROR',
  /** The broker refused the client's credentials, or its certificate was not trusted. */
  'KAFKA_AUTH_FAILED',
  'GROUP_ACTIVE',
  'MIGRATION_INCOMPLETE',
  /** A transaction of a transactional route was aborted (the broker failed it); its batch is retried. */
  'TRANSACTION_FAILED',
  /** Another producer took the partition's transactional id over: this one may no longer commit. */
  'TRANSACTION_FENCED',
  // AWS
  'DEPLOY_FAILED',
  'AWS_FAILED',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

/** Codes the user causes: printed without a stack, exit code 2. */
export const USER_INPUT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'MANIFEST_INVALID',
  'MANIFEST_NOT_FOUND',
  'ARGUMENTS_INVALID',
  'CODEGEN_FAILED',
  'CODEGEN_MISSING',
  'CODEGEN_STALE',
  'EVENT_INVALID',
  'DEPLOY_FAILED',
])
