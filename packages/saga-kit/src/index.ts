/**
 * `@faultline/saga-kit`: durable sagas with persisted reverse compensations, orchestration and
 * choreography, on Postgres. Exactly what the README documents; the sync-kit transport is on
 * `./sync-kit`, test helpers (fault hook, contract suite) on `./testing`.
 */
export { defineSaga } from './core/define-saga.js'
export type {
  LockConflictPolicy,
  SagaDefinition,
  SagaLockOptions,
  SagaOptions,
} from './core/define-saga.js'
export { command } from './core/types.js'
export type {
  CommandAction,
  Direction,
  LocalAction,
  LocalStepContext,
  ParallelStepOptions,
  RetryPolicy,
  SagaTx,
  StepAction,
  StepContext,
  StepKind,
  StepOptions,
} from './core/types.js'
export type { InstanceRecord, SagaState, StepRecord, StepStatus } from './core/records.js'
export { isSagaKitError, rejectStep, SagaKitError } from './errors.js'
export type { ErrorRecord, SagaKitErrorCode, SagaKitErrorContext } from './errors.js'
export type { SagaEvent, SagaMetricsSnapshot } from './events.js'
export type { DatabaseStatus } from './health/database-health.js'
export type { TransportMetricsSnapshot } from './health/transport-metrics.js'
export { SAGA_DEFAULTS } from './options.js'
export type { OrchestratorOptions } from './options.js'
export { createOrchestrator } from './orchestrator.js'
export type { Orchestrator, SagaStartOptions } from './orchestrator.js'
export type { StartResult } from './engine/start.js'
export type { HistoryRecord, ListOptions, SagaView } from './engine/queries.js'
export { migrateSagaKit } from './engine/migrations.js'
export { withTx } from './engine/client-tx.js'
export { createParticipant, defineParticipant } from './participant.js'
export type {
  CommandContext,
  CommandHandler,
  Participant,
  ParticipantDefinition,
  ParticipantMetricsSnapshot,
  ParticipantOptions,
} from './participant.js'
export type {
  CommandLockPolicy,
  EntityCommandHandler,
  EntityOf,
  ParticipantHandler,
} from './participant-locks.js'
export { assertUnlocked, entityLockHolder } from './engine/entity-locks.js'
export type { AssertUnlockedOptions } from './engine/entity-locks.js'
export { createReactor, emitEvent } from './choreography.js'
export type { DomainEvent, ReactionContext, Reactor, ReactorOptions } from './choreography.js'
export { createMemoryTransport } from './adapters/memory-transport.js'
export type { MemoryTransport, MemoryTransportOptions } from './adapters/memory-transport.js'
export { createPgQueueTransport } from './adapters/pg-queue-transport.js'
export type { PgQueueTransport, PgQueueTransportOptions } from './adapters/pg-queue-transport.js'
export type { Delivery, MessageHandler, SagaMessage, SagaTransport, Subscription } from './ports.js'
export { contextFromHeaders, traceHeaders } from './telemetry.js'
export type { Clock, Logger } from '@faultline/common'
