/** The package version, so callers can log what they run. */
export const VERSION = '0.0.0'

// --- foundation (producer side) ---
export { SyncKitError, isSyncKitError, describeError } from './errors.js'
export type { SyncKitErrorCode, SyncKitErrorContext, SyncKitErrorOptions } from './errors.js'
export {
  HEADER_EVENT_ID,
  HEADER_EVENT_TYPE,
  decodeEnvelope,
  encodeEnvelope,
  formatEventType,
  parseEventType,
  validateEnvelope,
} from './envelope.js'
export type {
  EnvelopeValidation,
  EventEnvelope,
  JsonValue,
  MessageCoordinates,
  TransportMessage,
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
  SqlExecutor,
} from './ports.js'
export { migrate, SYNC_KIT_MIGRATIONS } from './migrations/index.js'
export { migrateWith } from './migrations/runner.js'
export type { Migration, MigrateOptions } from './migrations/runner.js'
export { OUTBOX_MIGRATIONS } from './migrations/outbox.js'
export { appendEvents } from './outbox.js'
export type { AppendOptions } from './outbox.js'
export type { NewEvent } from './outbox-input.js'
export { MemoryPublisher, createMemoryPublisher } from './adapters/memory-publisher.js'
export type { MemoryPublisherOptions, StoredMessage } from './adapters/memory-publisher.js'
export { LogicalRelay, createLogicalRelay } from './relay/logical-relay.js'
export type { LogicalRelayOptions, RelayStats } from './relay/logical-relay.js'
export type { SlotMetrics } from './relay/slot-monitor.js'
export type { SlotStatus } from './relay/slot.js'
export { readSlotStatus } from './relay/slot.js'
export type { RelayCommonOptions } from './relay/options.js'
export type { FaultHook, FaultPoint } from './relay/faults.js'
export { PollingRelay, createPollingRelay } from './relay/polling-relay.js'
export type { PollingRelayOptions, PollingRelayStats } from './relay/polling-relay.js'
export type { BlockingTransaction, StallReport } from './relay/stall.js'

// --- consumer side ---
