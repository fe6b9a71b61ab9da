import type { Pool } from 'pg'
import type { Tracer } from '@opentelemetry/api'
import type { SagaDefinition } from './core/define-saga.js'
import type { SagaEvent } from './events.js'
import type { FaultPoint } from './postgres/deps.js'
import type { Clock, Logger, SagaTransport } from './ports.js'

/** Options of {@link createOrchestrator}. */
export interface OrchestratorOptions {
  /** The saga database (a pg Pool the caller owns; `close()` leaves it open). */
  readonly db: Pool
  // Sagas of different data types share one registry.
  readonly sagas: readonly SagaDefinition<any>[] // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly transport: SagaTransport
  /** @default the wall clock */
  readonly clock?: Clock
  /** @default a silent logger */
  readonly logger?: Logger
  /** @default trace.getTracer('@faultline/saga-kit') */
  readonly tracer?: Tracer
  /** This process's identity in leases. @default a random UUID */
  readonly ownerId?: string
  /** How long a saga stays owned without a heartbeat before another process may take it. @default 10000 */
  readonly leaseMs?: number
  /**
   * How often `listen()` polls for due sagas (timers, retries, takeovers): one query per
   * interval when nothing is due, however many loops `concurrency` runs. @default 100
   */
  readonly pollIntervalMs?: number
  /** Due sagas advanced at once by the poller. @default 4 */
  readonly concurrency?: number
  /**
   * How long a reply whose saga is not visible yet waits for a start of that saga that is still
   * committing (a relay can publish a transaction's commands before other sessions see its
   * commit) before the reply is dead-lettered. A reply for a saga nobody is starting is
   * dead-lettered at once. @default 5000
   */
  readonly startCommitWaitMs?: number
  /** Channel the orchestrator receives replies on. @default 'saga.replies' */
  readonly replyChannel?: string
  /** Receives every {@link SagaEvent} after its transition committed. */
  readonly onEvent?: (event: SagaEvent) => void
  /** Source of jitter. @default Math.random */
  readonly random?: () => number
  /** Test hook called at named points; throwing there simulates a crash. @default no-op */
  readonly faultPoint?: (
    point: FaultPoint,
    info: { sagaId: string; stepId?: string },
  ) => void | Promise<void>
}

/** Defaults of {@link OrchestratorOptions}, resolved once. */
export const DEFAULTS = {
  leaseMs: 10_000,
  pollIntervalMs: 100,
  concurrency: 4,
  replyChannel: 'saga.replies',
  startCommitWaitMs: 5_000,
} as const
