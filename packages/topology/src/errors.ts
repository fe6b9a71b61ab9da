import { FaultlineError } from '@faultline/common'

/** Every error code `@faultline/topology` raises. */
export type TopologyErrorCode =
  | 'E_TOPOLOGY_INVALID_OPTION'
  | 'E_TOPOLOGY_INVALID_CONFIG'
  | 'E_TOPOLOGY_ROUTE_SCHEMA'
  | 'E_TOPOLOGY_DEPENDENCY_CYCLE'
  | 'E_TOPOLOGY_UNKNOWN_SERVICE'
  | 'E_TOPOLOGY_STARTUP_FAILED'
  | 'E_TOPOLOGY_STARTUP_TIMEOUT'
  | 'E_TOPOLOGY_LB_FAILED'

/** What a topology error is about; every field is optional. */
export interface TopologyErrorContext {
  readonly service?: string
  readonly instance?: string
  readonly option?: string
  readonly route?: string
  readonly provider?: string
  readonly logTail?: string
  readonly [key: string]: unknown
}

/** The one error class `@faultline/topology` throws; `code` says what went wrong. */
export class TopologyError extends FaultlineError<TopologyErrorCode, TopologyErrorContext> {
  override name = 'TopologyError'
}

/** True for a {@link TopologyError}, even one from another copy of this package. */
export function isTopologyError(value: unknown): value is TopologyError {
  return value instanceof Error && value.name === 'TopologyError' && 'code' in value
}

/** Describes a thrown value that may not be an Error, for messages. */
export function describeThrown(value: unknown): string {
  if (value instanceof Error) return value.message
  return typeof value === 'string' ? value : String(value)
}
