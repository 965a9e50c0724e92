/** Every error code karafka-ts raises, grouped by family. */
export const ERROR_CODES = [
  'MANIFEST_INVALID',
  'MANIFEST_NOT_FOUND',
  'ARGUMENTS_INVALID',
  'BROKER_PREREQUISITE_MISSING',
  'BROKER_FETCH_FAILED',
  'BROKER_START_FAILED',
  'BROKER_PORT_IN_USE',
  'CODEGEN_FAILED',
  'EVENT_INVALID',
  'MESSAGE_INVALID',
  'PRODUCE_FAILED',
  'CONFIG_INVALID',
  'HANDLER_INVALID',
  'INVOKE_FAILED',
  'KAFKA_UNAVAILABLE',
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
  'EVENT_INVALID',
  'DEPLOY_FAILED',
])
