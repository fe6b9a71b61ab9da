export { defineSaga, SagaDefinition } from './core/define-saga.js'
export type { LockConflictPolicy, SagaLockOptions, SagaOptions } from './core/define-saga.js'
export { command, isCommand } from './core/types.js'
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
  StepDefinition,
  StepGroup,
  StepKind,
  StepOptions,
} from './core/types.js'
export { backoffDelayMs, DEFAULT_COMPENSATION_RETRY, DEFAULT_RETRY } from './core/backoff.js'
export { decide, compensationPlan, needsCompensation } from './core/planner.js'
export type { Decision } from './core/planner.js'
export type { InstanceRecord, SagaState, Snapshot, StepRecord, StepStatus } from './core/records.js'
export { decodeCommand, decodeReply, participantChannel } from './core/messages.js'
export type { CommandBody, ReplyBody, StepAddress } from './core/messages.js'
export { SagaKitError, isSagaKitError, rejectStep, toErrorRecord } from './errors.js'
export type {
  ErrorRecord,
  SagaKitErrorCode,
  SagaKitErrorContext,
  SagaKitErrorOptions,
} from './errors.js'
export { SagaMetrics } from './events.js'
export type { SagaEvent, SagaMetricsSnapshot } from './events.js'
export { SAGA_DEFAULTS } from './options.js'
export type { OrchestratorOptions } from './options.js'
export { createOrchestrator } from './orchestrator.js'
export type { Orchestrator, SagaStartOptions } from './orchestrator.js'
export type { StartResult } from './engine/start.js'
export type { HistoryRecord, ListOptions, SagaView } from './engine/queries.js'
export { migrateSagaKit, MIGRATIONS } from './engine/migrations.js'
export { withTx, ClientTx } from './engine/client-tx.js'
export { createParticipant, defineParticipant } from './participant.js'
export type {
  CommandContext,
  CommandHandler,
  Participant,
  ParticipantDefinition,
  ParticipantOptions,
} from './participant.js'
export type {
  CommandLockPolicy,
  EntityCommandHandler,
  EntityLockCheck,
  EntityOf,
  ParticipantHandler,
} from './participant-locks.js'
export { assertUnlocked, entityLockHolder } from './engine/entity-locks.js'
export type { AssertUnlockedOptions } from './engine/entity-locks.js'
export { createReactor, emitEvent } from './choreography.js'
export type { DomainEvent, ReactionContext, Reactor, ReactorOptions } from './choreography.js'
export { createMemoryTransport, MemoryTransport } from './adapters/memory-transport.js'
export type { MemoryTransportOptions } from './adapters/memory-transport.js'
export type { Clock, Logger } from '@faultline/common'
export type { Delivery, MessageHandler, SagaTransport, Subscription, SagaMessage } from './ports.js'
export { contextFromHeaders, traceHeaders } from './telemetry.js'
export { createPgQueueTransport, PgQueueTransport } from './adapters/pg-queue-transport.js'
export type { PgQueueTransportOptions } from './adapters/pg-queue-transport.js'
