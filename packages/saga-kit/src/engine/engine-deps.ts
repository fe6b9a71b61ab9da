import type { Pool } from 'pg'
import type { Tracer } from '@opentelemetry/api'
import type { SagaDefinition } from '../core/define-saga.js'
import type { SagaEvent } from '../events.js'
import type { FaultHook } from '../fault-hook.js'
import { type Clock, type Logger } from '@faultline/common'
import type { SagaTransport } from '../ports.js'

/** Everything the engine needs, resolved once by `createOrchestrator`. */
export interface EngineDeps {
  readonly db: Pool
  // The registry holds sagas of many data types; each is only used with its own data.
  readonly sagas: ReadonlyMap<string, SagaDefinition<any>> // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly transport: SagaTransport
  readonly clock: Clock
  readonly logger: Logger
  readonly tracer: Tracer
  readonly ownerId: string
  readonly leaseMs: number
  /** How long a reply waits for its saga's start to commit before it is dead-lettered. */
  readonly startCommitWaitMs: number
  readonly replyChannel: string
  readonly random: () => number
  readonly emit: (event: SagaEvent) => void
  /** The test hook at named points (see `withFaultHook`); a no-op in production. */
  readonly fault: FaultHook
  /** Asks the orchestrator to advance a saga soon (after a commit), e.g. one just unstashed. */
  readonly wake: (sagaId: string) => void
}
