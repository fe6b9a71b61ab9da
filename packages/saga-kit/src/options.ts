import type { Pool } from 'pg'
import type { Tracer } from '@opentelemetry/api'
import type { SagaDefinition } from './core/define-saga.js'
import type { SagaEvent } from './events.js'
import {
  checkFunction,
  checkInt,
  checkMs,
  checkOptions,
  checkPort,
  checkText,
  invalidOption,
} from './validate.js'
import { type Clock, type Logger } from '@faultline/common'
import type { SagaTransport } from './ports.js'

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
  /**
   * How long a saga stays owned without a heartbeat before another process may take it, at least
   * 30 ms (the heartbeat renews every third of it). @default 10000
   */
  readonly leaseMs?: number
  /**
   * How often `listen()` polls for due sagas (timers, retries, takeovers): one query per
   * interval when nothing is due, however many loops `concurrency` runs. @default 100
   */
  readonly pollIntervalMs?: number
  /**
   * Due sagas advanced at once by the poller, from 0 to 1000; 0 runs no poll loop (call
   * `runDue()` yourself). @default 4
   */
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
}

/** Defaults of {@link OrchestratorOptions}. */
export const SAGA_DEFAULTS = {
  leaseMs: 10_000,
  pollIntervalMs: 100,
  concurrency: 4,
  replyChannel: 'saga.replies',
  startCommitWaitMs: 5_000,
} as const

/** Options of {@link OrchestratorOptions} with every default filled in, checked. */
export interface ResolvedOrchestratorOptions {
  readonly leaseMs: number
  readonly pollIntervalMs: number
  readonly concurrency: number
  readonly startCommitWaitMs: number
  readonly replyChannel: string
  readonly ownerId: string | undefined
}

const WHERE = 'createOrchestrator()'

/**
 * Checks every option of {@link OrchestratorOptions}, throwing `E_SAGA_INVALID_OPTION` naming the
 * first one that is wrong, and fills in the defaults of the tunables.
 */
export function resolveOrchestratorOptions(
  options: OrchestratorOptions,
): ResolvedOrchestratorOptions {
  checkOptions(WHERE, options)
  checkPort(WHERE, 'db', options.db, 'a pg Pool', ['query', 'connect'])
  checkPort(WHERE, 'transport', options.transport, 'a SagaTransport', ['send', 'subscribe'])
  if (!Array.isArray(options.sagas) || options.sagas.length === 0) {
    throw invalidOption(
      WHERE,
      'sagas',
      options.sagas,
      'a non-empty array of defineSaga() definitions',
    )
  }
  if (options.clock !== undefined) checkPort(WHERE, 'clock', options.clock, 'a Clock', ['now'])
  if (options.logger !== undefined) {
    checkPort(WHERE, 'logger', options.logger, 'a Logger', ['debug', 'info', 'warn', 'error'])
  }
  checkFunction(WHERE, 'onEvent', options.onEvent)
  checkFunction(WHERE, 'random', options.random)
  if (options.tracer !== undefined) {
    checkPort(WHERE, 'tracer', options.tracer, 'an OpenTelemetry Tracer', ['startSpan'])
  }
  return {
    // The heartbeat renews leases every third of leaseMs: shorter leases would expire between
    // two renewals whenever a renewal query waits a little.
    leaseMs: checkInt(WHERE, 'leaseMs', options.leaseMs, SAGA_DEFAULTS.leaseMs, 30, 2 ** 52),
    pollIntervalMs: checkMs(
      WHERE,
      'pollIntervalMs',
      options.pollIntervalMs,
      SAGA_DEFAULTS.pollIntervalMs,
    ),
    concurrency: checkInt(
      WHERE,
      'concurrency',
      options.concurrency,
      SAGA_DEFAULTS.concurrency,
      0,
      1_000,
    ),
    startCommitWaitMs: checkMs(
      WHERE,
      'startCommitWaitMs',
      options.startCommitWaitMs,
      SAGA_DEFAULTS.startCommitWaitMs,
    ),
    replyChannel: checkText(
      WHERE,
      'replyChannel',
      options.replyChannel,
      SAGA_DEFAULTS.replyChannel,
    ),
    ownerId:
      options.ownerId === undefined ? undefined : checkText(WHERE, 'ownerId', options.ownerId),
  }
}
