import { FaultlineError } from '@faultline/common'

/**
 * Every error code `@faultline/infra` raises, in the `E_<PACKAGE>_<PROBLEM>` scheme every
 * Faultline package shares. The README's error table says what each means and what to do.
 */
export type InfraErrorCode =
  | 'E_INFRA_MISSING_BINARY'
  /** A file this package ships (a `pom.xml`) is missing, or did not bring the jar it should. */
  | 'E_INFRA_ASSET_MISSING'
  | 'E_INFRA_STARTUP_FAILED'
  | 'E_INFRA_STARTUP_TIMEOUT'
  | 'E_INFRA_PORT_IN_USE'
  | 'E_INFRA_UNSUPPORTED'
  | 'E_INFRA_NO_PROVIDER'
  /** An option or argument is missing or out of range; the message names it, its value and the range. */
  | 'E_INFRA_INVALID_OPTION'
  /** Postgres answered with something that is not an LSN. */
  | 'E_INFRA_INVALID_LSN'
  | 'E_INFRA_COMMAND_FAILED'
  /** A server did not answer a control query (down, paused, refusing); names the host. */
  | 'E_INFRA_UNAVAILABLE'
  | 'E_INFRA_PROXY'
  /** The fault proxy was closed before the call. */
  | 'E_INFRA_CLOSED'
  /** A condition on a running server (a trace in Zipkin, targets in Prometheus) was not met in time. */
  | 'E_INFRA_TIMEOUT'

const BRAND = Symbol.for('faultline.infra.error')

/** Context attached to an infra error: which service, and its log tail when there is one. */
export interface InfraErrorContext {
  readonly service?: string
  readonly provider?: string
  readonly port?: number
  readonly logTail?: string
  /** The option or argument an `E_INFRA_INVALID_OPTION` is about. */
  readonly option?: string
  readonly [key: string]: unknown
}

/** Options for constructing an {@link InfraError}. */
export interface InfraErrorOptions {
  readonly context?: InfraErrorContext
  readonly cause?: unknown
  /** @default false */
  readonly retryable?: boolean
}

/**
 * The one error class `@faultline/infra` throws; `code` says what went wrong. It extends
 * `FaultlineError`, so `isFaultlineError()` from `@faultline/common` recognises it too.
 */
export class InfraError extends FaultlineError<InfraErrorCode, InfraErrorContext> {
  override name = 'InfraError'
  readonly [BRAND] = true

  constructor(code: InfraErrorCode, message: string, options: InfraErrorOptions = {}) {
    super(code, message, options)
  }
}

/** True for any {@link InfraError}, even one from another copy of this package. */
export function isInfraError(value: unknown): value is InfraError {
  return typeof value === 'object' && value !== null && BRAND in value
}

/** Renders a value for a message: numbers as they are, anything else as JSON. */
export function showValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return typeof value
  }
}

/**
 * `E_INFRA_INVALID_OPTION` naming the option, the value it got and what it accepts, e.g.
 * `replicaApplyDelayMs must be an integer from 0 to 2147483647, got -5.`
 */
export function invalidOption(
  option: string,
  value: unknown,
  expected: string,
  context: InfraErrorContext = {},
): InfraError {
  return new InfraError(
    'E_INFRA_INVALID_OPTION',
    `${option} must be ${expected}, got ${showValue(value)}.`,
    { context: { ...context, option, value: showValue(value) } },
  )
}

/** Removes the password from a connection URL so it can go into a message or a log. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@')
}
