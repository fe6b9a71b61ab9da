import { FaultlineError } from '@faultline/common'

/**
 * Every failure the kit reports. Codes are stable strings so callers can switch on them.
 *
 * - `E_SYNC_INVALID_EVENT`: an event handed to `appendEvents` cannot be stored (no aggregateId,
 *   unserializable payload, ...).
 * - `E_SYNC_MALFORMED_MESSAGE`: a message read from a topic is not a valid envelope.
 * - `E_SYNC_UNKNOWN_EVENT`: an envelope's `type@version` has no handler or upcaster.
 * - `E_SYNC_INVALID_OPTION`: an option rejected at construction; the message names it.
 * - `E_SYNC_SCHEMA_MISSING`: sync-kit's tables are missing: run `migrateSyncKit()` first.
 * - `E_SYNC_TOPIC_MISSING`: a topic a consumer reads does not exist and was not created.
 * - `E_SYNC_SLOT_IN_USE`: the replication slot is active on another connection.
 * - `E_SYNC_REPLICATION`: the replication stream failed or sent something unexpected.
 * - `E_SYNC_PUBLISH_FAILED`: the broker did not durably acknowledge a message.
 * - `E_SYNC_MESSAGE_TOO_LARGE`: a message is larger than the broker or topic accepts (refused by
 *   the broker, or by `appendEvents` before it is written); sending it again cannot succeed.
 * - `E_SYNC_MESSAGE_REJECTED`: the broker refuses the message itself for another reason (an
 *   invalid record or topic name); sending it again cannot succeed.
 * - `E_SYNC_DATABASE`: a Postgres call failed.
 * - `E_SYNC_MIGRATION`: a schema migration failed.
 * - `E_SYNC_HANDLER_FAILED`: a consumer handler threw.
 * - `E_SYNC_SEQUENCE_GAP`: an aggregate's sequence skipped a number.
 * - `E_SYNC_UPCAST_FAILED`: an upcaster threw or returned an invalid event.
 * - `E_SYNC_CHECKSUM_MISMATCH`: a read model differs from its source.
 * - `E_SYNC_TIMEOUT`: an operation did not finish in time.
 * - `E_SYNC_CLOSED`: the component was used after `close()`/`stop()`.
 * - `E_SYNC_CONSUME_FAILED`: the broker consumer failed (connect, subscribe, offsets).
 */
export type SyncKitErrorCode =
  | 'E_SYNC_INVALID_EVENT'
  | 'E_SYNC_MALFORMED_MESSAGE'
  | 'E_SYNC_UNKNOWN_EVENT'
  | 'E_SYNC_INVALID_OPTION'
  | 'E_SYNC_SCHEMA_MISSING'
  | 'E_SYNC_TOPIC_MISSING'
  | 'E_SYNC_SLOT_IN_USE'
  | 'E_SYNC_REPLICATION'
  | 'E_SYNC_PUBLISH_FAILED'
  | 'E_SYNC_MESSAGE_TOO_LARGE'
  | 'E_SYNC_MESSAGE_REJECTED'
  | 'E_SYNC_DATABASE'
  | 'E_SYNC_MIGRATION'
  | 'E_SYNC_HANDLER_FAILED'
  | 'E_SYNC_SEQUENCE_GAP'
  | 'E_SYNC_UPCAST_FAILED'
  | 'E_SYNC_CHECKSUM_MISMATCH'
  | 'E_SYNC_TIMEOUT'
  | 'E_SYNC_CLOSED'
  | 'E_SYNC_CONSUME_FAILED'

/** Where a failure happened. Every field is optional; set the ones that are known. */
export interface SyncKitErrorContext {
  readonly topic?: string
  readonly partition?: number
  readonly offset?: string
  readonly eventId?: string
  readonly aggregateType?: string
  readonly aggregateId?: string
  readonly eventType?: string
  readonly schemaVersion?: number
  readonly sequence?: number
  /** Index of the offending item in a batch. */
  readonly index?: number
  /** The envelope field or option that is wrong. */
  readonly field?: string
  readonly slot?: string
  readonly publication?: string
  readonly lsn?: string
  readonly attempt?: number
  readonly migration?: string
  readonly projection?: string
  /** The Kafka protocol error the broker answered with, e.g. `MESSAGE_TOO_LARGE`. */
  readonly brokerError?: string
  /** The size of the message concerned, in bytes. */
  readonly bytes?: number
  /** The size limit that applied, in bytes. */
  readonly limitBytes?: number
}

const BRAND = Symbol.for('faultline.sync-kit.error')

/** Options for {@link SyncKitError}. */
export interface SyncKitErrorOptions {
  /** Whether retrying the same operation may succeed. @default false */
  retryable?: boolean
  context?: SyncKitErrorContext
  cause?: unknown
}

/**
 * The one error class of sync-kit. Adapters translate driver errors into it at their boundary. It
 * extends `FaultlineError`, so `isFaultlineError()` from `@faultline/common` recognises it too.
 */
export class SyncKitError extends FaultlineError<SyncKitErrorCode, SyncKitErrorContext> {
  override name = 'SyncKitError'
  readonly [BRAND] = true

  constructor(code: SyncKitErrorCode, message: string, options: SyncKitErrorOptions = {}) {
    super(code, message, options)
  }
}

/**
 * True for any SyncKitError, even one made by another copy of the package (the brand is a
 * registered symbol, so `instanceof` across duplicated installs is not needed).
 */
export function isSyncKitError(value: unknown, code?: SyncKitErrorCode): value is SyncKitError {
  if (typeof value !== 'object' || value === null) return false
  if ((value as Record<symbol, unknown>)[BRAND] !== true) return false
  return code === undefined || (value as SyncKitError).code === code
}

/**
 * True for a message the broker refuses for good (`E_SYNC_MESSAGE_TOO_LARGE`,
 * `E_SYNC_MESSAGE_REJECTED`): sending it again cannot succeed, so it has to go somewhere else.
 */
export function isRefusedMessage(value: unknown): boolean {
  return (
    (isSyncKitError(value, 'E_SYNC_MESSAGE_TOO_LARGE') ||
      isSyncKitError(value, 'E_SYNC_MESSAGE_REJECTED')) &&
    !value.retryable
  )
}

/** A one-line description of any thrown value, for error messages and logs. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message
  return typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err))
}
