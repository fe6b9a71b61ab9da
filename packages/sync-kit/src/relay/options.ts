import type { ClientConfig } from 'pg'
import type { EventEnvelope } from '../envelope.js'
import { SyncKitError } from '../errors.js'
import type { Clock, EventPublisher, Logger } from '../ports.js'
import { silentLogger, systemClock } from '../ports.js'
import type { RejectedEventReport } from './refused.js'

/** Options shared by both relays. */
export interface RelayCommonOptions {
  /** Where the outbox lives: a connection string or pg client config. */
  connection: string | ClientConfig
  /** Where events go. The relay does not close it. */
  publisher: EventPublisher
  /** Topic per event. @default `outbox.event.<aggregateType>` (Debezium's outbox convention) */
  topic?: (envelope: EventEnvelope) => string
  /**
   * Where outbox rows that do not make a valid envelope go, so they are never lost silently; also
   * where the record of an event the broker refuses for good (too large, invalid) goes, without
   * its payload. @default 'sync-kit.outbox.invalid'
   */
  invalidTopic?: string
  /**
   * Alarm: the broker refused an event for good (e.g. larger than the topic's
   * `max.message.bytes`). Its record went to `invalidTopic` and the relay moved past it; the row
   * stays in the outbox table. Also counted in `stats().rejectedEvents` and logged as an error.
   */
  onRejected?: (report: RejectedEventReport) => void
  /** Most events per publish call. @default 500 */
  batchSize?: number
  /** First retry delay after a failed publish, doubling per failure. @default 100 */
  retryDelayMs?: number
  /** Cap on the retry delay. @default 5000 */
  maxRetryDelayMs?: number
  /**
   * How long a batch that is not full waits for more events before it is published. 0 sends at
   * once; a few milliseconds cut produce requests (and broker CPU) several-fold at low rates,
   * such as saga commands, for that much added latency. @default 0
   */
  lingerMs?: number
  logger?: Logger
  clock?: Clock
}

/** Defaults for {@link RelayCommonOptions}. */
export const RELAY_DEFAULTS = {
  topic: (e: EventEnvelope): string => `outbox.event.${e.aggregateType}`,
  invalidTopic: 'sync-kit.outbox.invalid',
  batchSize: 500,
  retryDelayMs: 100,
  maxRetryDelayMs: 5000,
  lingerMs: 0,
  logger: silentLogger,
  clock: systemClock,
} as const

/** Turns a connection string into a pg config. */
export function toClientConfig(connection: string | ClientConfig): ClientConfig {
  return typeof connection === 'string' ? { connectionString: connection } : connection
}

/** Throws `E_SYNC_INVALID_OPTION` unless `value` is a positive integer (or undefined). */
export function checkPositive(name: string, value: number | undefined): void {
  if (value === undefined) return
  if (!Number.isFinite(value) || value <= 0) {
    throw new SyncKitError(
      'E_SYNC_INVALID_OPTION',
      `${name} must be a positive number, got ${value}`,
      {
        context: { field: name },
      },
    )
  }
}

/** Checks the options both relays share. */
export function checkCommon(options: RelayCommonOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new SyncKitError('E_SYNC_INVALID_OPTION', 'relay options are required')
  }
  if (!options.connection) {
    throw new SyncKitError('E_SYNC_INVALID_OPTION', 'connection is required', {
      context: { field: 'connection' },
    })
  }
  if (typeof options.publisher?.publish !== 'function') {
    throw new SyncKitError('E_SYNC_INVALID_OPTION', 'publisher must implement EventPublisher', {
      context: { field: 'publisher' },
    })
  }
  checkPositive('batchSize', options.batchSize)
  checkPositive('retryDelayMs', options.retryDelayMs)
  checkPositive('maxRetryDelayMs', options.maxRetryDelayMs)
  const linger = options.lingerMs
  if (linger !== undefined && !(Number.isFinite(linger) && linger >= 0)) {
    throw new SyncKitError(
      'E_SYNC_INVALID_OPTION',
      `lingerMs must be a number >= 0, got ${linger}`,
      { context: { field: 'lingerMs' } },
    )
  }
}
