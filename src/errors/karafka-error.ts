import { type ErrorCode, USER_INPUT_CODES } from './codes.js'

/** Where in Kafka or the manifest an error happened, when that is known. */
export interface ErrorContext {
  topic?: string
  partition?: number
  offset?: string
  route?: string
}

export interface KarafkaErrorOptions extends ErrorContext {
  cause?: unknown
  retriable?: boolean
  /** What the user can do about it; printed under the message. */
  hint?: string
}

/**
 * The one base class of every error karafka-ts raises. `code` says the family, `retriable`
 * whether trying again may help, and `hint` what the user should do.
 */
export class KarafkaError extends Error {
  readonly code: ErrorCode
  readonly retriable: boolean
  readonly hint: string | undefined
  readonly context: ErrorContext

  constructor(code: ErrorCode, message: string, options: KarafkaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.retriable = options.retriable ?? false
    this.hint = options.hint
    const { topic, partition, offset, route } = options
    this.context = { topic, partition, offset, route }
  }

  /** True when the user caused it (bad manifest, arguments or input): exit code 2, no stack. */
  get isUserInput(): boolean {
    return USER_INPUT_CODES.has(this.code)
  }

  /** The text shown to a user: the message and, when there is one, the hint. */
  format(): string {
    return this.hint ? `${this.message}\n  hint: ${this.hint}` : this.message
  }
}

/** Bad command-line arguments or input: exit code 2. */
export class ArgumentsError extends KarafkaError {
  constructor(message: string, hint?: string) {
    super('ARGUMENTS_INVALID', message, { hint })
  }
}
