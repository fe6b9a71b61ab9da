/**
 * `@faultline/sync-kit`: transactional outbox, CDC relays to a broker, effectively-once consumers
 * and read-model projections. Exactly what the README documents; the kafkajs adapters are on
 * `./kafka`, the amqplib one on `./rabbitmq`, test hooks and contract suites on `./testing`.
 */

// --- shared vocabulary (from @faultline/common) ---
export { compareLsn, formatLsn, parseLsn } from '@faultline/common'
export type { Clock, Logger, Lsn, LsnInput, SqlClient, SqlResult } from '@faultline/common'
export { SYNC_DEFAULTS } from './defaults.js'
export { SyncKitError, isRefusedMessage, isSyncKitError } from './errors.js'
export type { SyncKitErrorCode, SyncKitErrorContext } from './errors.js'

// --- producer side ---
export { migrateSyncKit } from './migrations/index.js'
export type { MigrateOptions } from './migrations/runner.js'
export { appendEvents, appendEventsStatement } from './outbox.js'
export type { AppendOptions, AppendStatement } from './outbox.js'
export type { NewEvent } from './outbox-input.js'
export {
  HEADER_AGGREGATE_VERSION,
  HEADER_COMMIT_LSN,
  HEADER_EVENT_ID,
  HEADER_EVENT_TYPE,
  decodeEnvelope,
  encodeEnvelope,
} from './envelope.js'
export type { ConsumedEvent, EventEnvelope, JsonValue, WireMessage } from './envelope.js'
export { uuidv7 } from './uuidv7.js'
export { createLogicalRelay } from './relay/logical-relay.js'
export type { LogicalRelay, LogicalRelayOptions, RelayStats } from './relay/logical-relay.js'
export { createPollingRelay } from './relay/polling-relay.js'
export type { PollingRelay, PollingRelayOptions, PollingRelayStats } from './relay/polling-relay.js'
export type { RelayCommonOptions } from './relay/options.js'
export type { BrokerStatus } from './relay/broker-health.js'
export type { RejectedEventReport } from './relay/refused.js'
export type { BlockingTransaction, StallReport } from './relay/stall.js'
export { readSlotStatus } from './relay/slot.js'
export type { SlotStatus } from './relay/slot.js'
export type { SlotMetrics } from './relay/slot-monitor.js'
export type {
  EventPublisher,
  OutgoingMessage,
  PublishResult,
  TopicRequirement,
  TopicStatus,
} from './ports.js'
export { createMemoryPublisher } from './adapters/memory-publisher.js'
export type {
  MemoryPublisher,
  MemoryPublisherOptions,
  StoredMessage,
} from './adapters/memory-publisher.js'

// --- consumer side ---
export { createConsumer } from './consumer/consumer.js'
export type { Consumer } from './consumer/consumer.js'
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
export { totalLag } from './consumer/lag.js'
export type { PartitionLag } from './consumer/lag.js'
export { DLQ_HEADERS, readDeadLetter } from './consumer/dead-letter.js'
export type { DeadLetterInfo } from './consumer/dead-letter.js'
export { createMemoryBroker } from './adapters/memory-broker.js'
export type {
  MemoryBroker,
  MemoryBrokerOptions,
  MemoryConsumerOptions,
} from './adapters/memory-broker.js'
export { createMemoryConsumerStore } from './adapters/memory-consumer-store.js'
export type { MemoryConsumerStore, MemoryTx } from './adapters/memory-consumer-store.js'
export { createPostgresConsumerStore } from './adapters/postgres-consumer-store.js'
export type {
  PostgresConsumerStore,
  PostgresConsumerStoreOptions,
} from './adapters/postgres-consumer-store.js'
export { createUpcasters } from './upcast.js'
export type { Upcaster, UpcasterDefinitions, Upcasters } from './upcast.js'
export { defineProjection } from './projection/define.js'
export type { Projection, ProjectionContext, ProjectionDefinition } from './projection/define.js'
export { createProjectionRunner } from './projection/runner.js'
export type {
  ProjectionConsumerOptions,
  ProjectionRunner,
  ProjectionRunnerOptions,
  RebuildResult,
} from './projection/runner.js'
export type { ChecksumResult } from './projection/checksum.js'
export { createBackfill } from './backfill/backfill.js'
export type { Backfill, BackfillProgress } from './backfill/backfill.js'
export type { BackfillMode, BackfillOptions } from './backfill/options.js'
