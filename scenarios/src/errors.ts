import { FaultlineError } from '@faultline/common'

/** Every error code the scenario layer raises. */
export type ScenarioErrorCode = 'E_SCENARIO_INVALID' | 'E_SCENARIO_INVALID_DURATION'

/** What a scenario error is about. */
export interface ScenarioErrorContext {
  /** The scenario's name, when known. */
  readonly scenario?: string
  /** Each problem found, as `field: what is wrong; the fix`. */
  readonly problems?: readonly string[]
  /** The offending value, for a single-value error such as a duration. */
  readonly value?: unknown
  /** The field the value came from, e.g. `load[0].stages[1].duration`. */
  readonly field?: string
}

/**
 * The error a scenario definition or a duration string raises. Its message lists every problem
 * found, each naming the field and the fix, so a user fixes a file in one pass.
 */
export class ScenarioError extends FaultlineError<ScenarioErrorCode, ScenarioErrorContext> {
  override name = 'ScenarioError'
}
