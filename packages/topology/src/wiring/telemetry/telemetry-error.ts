/** Every error code the telemetry wiring raises. */
export type TelemetryErrorCode =
  /** An option is invalid (sampling ratio, service name, metric name, URL). */
  | 'E_TELEMETRY_BAD_OPTION'
  /** Tracing was started twice in one process (OpenTelemetry has one global provider). */
  | 'E_TELEMETRY_ALREADY_STARTED'

const BRAND = Symbol.for('faultline.topology.telemetry-error')

/** What a telemetry error is about. */
export interface TelemetryErrorContext {
  readonly option?: string
  readonly metric?: string
}

/** The one error class of the telemetry wiring; `code` says what went wrong. */
export class TelemetryError extends Error {
  override readonly name = 'TelemetryError'
  readonly [BRAND] = true
  readonly code: TelemetryErrorCode
  readonly retryable = false
  readonly context: TelemetryErrorContext

  constructor(
    code: TelemetryErrorCode,
    message: string,
    options: { context?: TelemetryErrorContext; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause })
    this.code = code
    this.context = Object.freeze({ ...options.context })
  }
}

/** True for any {@link TelemetryError}, even one thrown by another copy of this package. */
export function isTelemetryError(value: unknown): value is TelemetryError {
  return typeof value === 'object' && value !== null && BRAND in value
}

/** Shorthand for a bad option, naming it and the fix. */
export function badTelemetryOption(option: string, message: string): TelemetryError {
  return new TelemetryError('E_TELEMETRY_BAD_OPTION', message, { context: { option } })
}
