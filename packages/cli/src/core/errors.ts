import { FaultlineError } from '@faultline/common'

/** Every error code `@faultline/cli` raises. */
export type CliErrorCode =
  | 'E_CLI_INVALID_OPTION'
  | 'E_CLI_UNKNOWN_SCENARIO'
  | 'E_CLI_SCENARIO_FILE'
  | 'E_CLI_UNKNOWN_METRIC'
  | 'E_CLI_UNKNOWN_CHECKER'
  | 'E_CLI_UNSUPPORTED'
  | 'E_CLI_TARGET'
  | 'E_CLI_REPLAY'
  | 'E_CLI_IO'
  | 'E_CLI_REPORT'
  | 'E_CLI_COMPARE'

/** What a CLI error is about. */
export interface CliErrorContext {
  readonly option?: string
  readonly value?: unknown
  /** The valid choices, when the problem is an unknown name. */
  readonly choices?: readonly string[]
  readonly file?: string
  readonly problems?: readonly string[]
}

/**
 * The error the CLI raises. Its message says what is wrong and what to do; the command line prints
 * it and exits 1.
 */
export class CliError extends FaultlineError<CliErrorCode, CliErrorContext> {
  override name = 'CliError'
}

/** The message of anything thrown, for output. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message
  return typeof error === 'string' ? error : String(error)
}
