import { FaultlineError } from '@faultline/common'

/** Codes a {@link CheckerError} carries. */
export type CheckerErrorCode = 'E_CLI_UNKNOWN_CHECKER' | 'E_CLI_INVALID_OPTION'

/** What a {@link CheckerError} is about. */
export interface CheckerErrorContext {
  readonly checker?: string
  readonly option?: string
  readonly valid?: readonly string[]
}

/**
 * A check the scenario asked for cannot run as asked: an unknown checker name or a bad option.
 * Raised before any history is read, so a run never starts with a check it cannot do.
 */
export class CheckerError extends FaultlineError<CheckerErrorCode, CheckerErrorContext> {
  override name = 'CheckerError'
}
