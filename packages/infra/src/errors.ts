/** Error codes raised by `@faultline/infra`. */
export type InfraErrorCode =
  | 'E_INFRA_MISSING_BINARY'
  | 'E_INFRA_STARTUP_FAILED'
  | 'E_INFRA_STARTUP_TIMEOUT'
  | 'E_INFRA_PORT_IN_USE'
  | 'E_INFRA_UNSUPPORTED'
  | 'E_INFRA_NO_PROVIDER'
  | 'E_INFRA_BAD_OPTION'
  | 'E_INFRA_COMMAND_FAILED'
  | 'E_INFRA_PROXY'
  /** A condition on a running server (a trace in Zipkin, targets in Prometheus) was not met in time. */
  | 'E_INFRA_TIMEOUT'

const BRAND = Symbol.for('faultline.infra.error')

/** Context attached to an infra error: which service, and its log tail when there is one. */
export interface InfraErrorContext {
  readonly service?: string
  readonly provider?: string
  readonly port?: number
  readonly logTail?: string
  readonly [key: string]: unknown
}

/** The one error class `@faultline/infra` throws; `code` says what went wrong. */
export class InfraError extends Error {
  override readonly name = 'InfraError'
  readonly [BRAND] = true
  readonly code: InfraErrorCode
  readonly retryable: boolean
  readonly context: InfraErrorContext

  constructor(
    code: InfraErrorCode,
    message: string,
    options: { context?: InfraErrorContext; cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, { cause: options.cause })
    this.code = code
    this.retryable = options.retryable ?? false
    this.context = options.context ?? {}
  }
}

/** True for any {@link InfraError}, even one from another copy of this package. */
export function isInfraError(value: unknown): value is InfraError {
  return typeof value === 'object' && value !== null && BRAND in value
}

/** Removes the password from a connection URL so it can go into a message or a log. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@')
}
