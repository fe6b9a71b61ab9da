import type { ErrorRecord } from '../errors.js'
import type { Direction } from './types.js'

/** Lifecycle of a saga instance. COMPLETED, COMPENSATED are final; FAILED waits for an operator. */
export type SagaState =
  'STASHED' | 'RUNNING' | 'COMPENSATING' | 'COMPLETED' | 'COMPENSATED' | 'FAILED'

/** States in which the orchestrator still has work to do. */
export const ACTIVE_STATES: readonly SagaState[] = ['RUNNING', 'COMPENSATING']

/** Status of one direction of one step in the step log. */
export type StepStatus = 'waiting' | 'retry_wait' | 'done' | 'failed' | 'skipped'

/** One row of the step log: one direction of one step of one saga (never two rows for it). */
export interface StepRecord {
  readonly stepId: string
  readonly direction: Direction
  readonly status: StepStatus
  readonly attempt: number
  /** Attempts allowed in total; an operator retry raises it. */
  readonly attemptLimit: number
  /** True once any attempt timed out: the participant may have acted, so compensate it. */
  readonly uncertain: boolean
  readonly deadlineAt: number | null
  readonly nextAt: number | null
  readonly result: unknown
  readonly error: ErrorRecord | null
  readonly startedAt: number
  readonly finishedAt: number | null
}

/** The saga instance row. */
export interface InstanceRecord {
  readonly sagaId: string
  readonly sagaName: string
  readonly state: SagaState
  readonly data: unknown
  /** Id of the current step group; null once every group has completed. */
  readonly cursor: string | null
  readonly deadlineAt: number | null
  readonly nextWakeAt: number | null
  readonly owner: string | null
  readonly leaseUntil: number | null
  readonly lockKey: string | null
  readonly failedPhase: 'forward' | 'backward' | null
  readonly failedStep: string | null
  readonly error: ErrorRecord | null
  readonly version: number
  readonly createdAt: number
  readonly updatedAt: number
}

/** An instance and its step log, as the planner sees it. */
export interface Snapshot {
  instance: InstanceRecord
  readonly steps: Map<string, StepRecord>
}

/** Key of a step row inside {@link Snapshot.steps}. */
export function stepKey(stepId: string, direction: Direction): string {
  return `${stepId}/${direction}`
}
