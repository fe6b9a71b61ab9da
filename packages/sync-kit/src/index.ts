/** The package version, so callers can log what they run. */
export const VERSION = '0.0.0'

// --- foundation (producer side) ---
export { SyncKitError, isSyncKitError, isRefusedMessage, describeError } from './errors.js'
export type { SyncKitErrorCode, SyncKitErrorContext, SyncKitErrorOptions } from './errors.js'
export {
  HEADER_AGGREGATE_VERSION,
  HEADER_COMMIT_LSN,
  HEADER_EVENT_ID,
  HEADER_EVENT_TYPE,
  decodeEnvelope,
  encodeEnvelope,
  formatEventType,
  parseEventType,
  validateEnvelope,
} from './envelope.js'
export type {
  ConsumedEvent,
  EnvelopeValidation,
  EventEnvelope,
  JsonValue,
  MessageCoordinates,
  WireMessage,
} from './envelope.js'
export { uuidv7, isUuid, uuidv7Timestamp } from './uuidv7.js'
export { parseLsn, formatLsn, compareLsn, maxLsn } from './lsn.js'
export type { Lsn } from './lsn.js'
export { systemClock, silentLogger } from './ports.js'
export type {
  Clock,
  EventPublisher,
  Logger,
  OutgoingMessage,
  PublishResult,
  SqlClient,
  TopicRequirement,
  TopicStatus,
} from './ports.js'
export { KAFKA_DEFAULT_MAX_MESSAGE_BYTES, messageBytes, recordBatchBytes } from './message-size.js'
export { migrateSyncKit, SYNC_KIT_MIGRATIONS } from './migrations/index.js'
export { migrateWith } from './migrations/runner.js'
export type { Migration, MigrateOptions } from './migrations/runner.js'
export { OUTBOX_MIGRATIONS } from './migrations/outbox.js'
export { appendEvents, appendEventsStatement } from './outbox.js'
export type { AppendOptions, AppendStatement } from './outbox.js'
export type { NewEvent } from './outbox-input.js'
export { MemoryPublisher, createMemoryPublisher } from './adapters/memory-publisher.js'
export type { MemoryPublisherOptions, StoredMessage } from './adapters/memory-publisher.js'
export { LogicalRelay, createLogicalRelay } from './relay/logical-relay.js'
export type { LogicalRelayOptions, RelayStats } from './relay/logical-relay.js'
export type { SlotMetrics } from './relay/slot-monitor.js'
export type { SlotStatus } from './relay/slot.js'
export { readSlotStatus } from './relay/slot.js'
export type { RelayCommonOptions } from './relay/options.js'
export type { RejectedEventReport } from './relay/refused.js'
export type { FaultHook, FaultPoint } from './relay/faults.js'
export { PollingRelay, createPollingRelay } from './relay/polling-relay.js'
export type { PollingRelayOptions, PollingRelayStats } from './relay/polling-relay.js'
export type { BlockingTransaction, StallReport } from './relay/stall.js'

// --- consumer side ---
export { Consumer, createConsumer } from './consumer/consumer.js'
export { CONSUMER_DEFAULTS } from './consumer/options.js'
export type {
  ConsumerOptions,
  EventHandler,
  GapPolicy,
  HandlerContext,
} from './consumer/options.js'
export type { ConsumerEvent, ConsumerMetrics } from './consumer/events.js'
export { aggregateKey } from './consumer/ports.js'
export type {
  AggregateRef,
  ChunkClaim,
  ChunkEnd,
  ChunkPosition,
  ConsumedBatch,
  ConsumedMessage,
  ConsumerRunOptions,
  ConsumerStore,
  EventConsumer,
  EventOrigin,
  ParkedEvent,
  PartitionOffset,
  ProjectionStore,
  TransactionOptions,
} from './consumer/ports.js'
export { partitionLag, totalLag } from './consumer/lag.js'
export type { PartitionLag } from './consumer/lag.js'
export { DLQ_HEADERS, readDeadLetter, toDeadLetter } from './consumer/dead-letter.js'
export type { DeadLetterInfo, DeadLetterInput } from './consumer/dead-letter.js'
export { MemoryBroker, MemoryEventConsumer, createMemoryBroker } from './consumer/memory-broker.js'
export type { MemoryBrokerOptions, MemoryConsumerOptions } from './consumer/memory-broker.js'
export { MemoryConsumerStore, MemoryTx, createMemoryConsumerStore } from './inbox/memory-store.js'
export { PostgresConsumerStore, createPostgresConsumerStore } from './inbox/postgres-store.js'
export type { PostgresConsumerStoreOptions } from './inbox/postgres-store.js'
export { INBOX_MIGRATIONS } from './inbox/migrations.js'
export { Upcasters, createUpcasters } from './upcast.js'
export type { Upcaster, UpcasterDefinitions } from './upcast.js'
export { defineProjection } from './projection/define.js'
export type { Projection, ProjectionContext, ProjectionDefinition } from './projection/define.js'
export { ProjectionRunner, createProjectionRunner } from './projection/runner.js'
export type {
  ProjectionConsumerOptions,
  ProjectionRunnerOptions,
  RebuildResult,
} from './projection/runner.js'
export { canonicalJson, compareRows, digestRows } from './projection/checksum.js'
export type { ChecksumResult, RowsDigest } from './projection/checksum.js'
export { Backfill, createBackfill } from './backfill/backfill.js'
export type { BackfillProgress } from './backfill/backfill.js'
export { BACKFILL_DEFAULTS } from './backfill/options.js'
export type { BackfillMode, BackfillOptions } from './backfill/options.js'
