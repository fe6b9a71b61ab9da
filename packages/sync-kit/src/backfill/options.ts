import type { Pool } from 'pg'
import { SyncKitError } from '../errors.js'
import type { NewEvent } from '../outbox-input.js'
import type { Clock, Logger } from '../ports.js'
import { silentLogger, systemClock } from '../ports.js'

/**
 * - `skip-live` (default): a row whose aggregate already has an outbox sequence gets no snapshot,
 *   because the live stream already carries it (use when live events carry the full state).
 * - `always`: every row gets a snapshot; it is sequenced after any live events of its aggregate,
 *   so a consumer applying in sequence order still ends at the row's current state.
 */
export type BackfillMode = 'skip-live' | 'always'

/** Options for {@link createBackfill}. */
export interface BackfillOptions<Row> {
  /** Names the cursor in `sync_backfill_cursor`; a rerun with the same name resumes. */
  readonly name: string
  /** The producer's database: the source table and the outbox live here. The caller owns it. */
  readonly pool: Pool
  /** The table whose rows predate the outbox (`name` or `schema.name`). */
  readonly table: string
  /** A unique, ordered column (usually the primary key): the keyset cursor. */
  readonly keyColumn: string
  /** The snapshot event for one row. */
  readonly toEvent: (row: Row) => NewEvent<unknown>
  /** Rows per transaction. @default 500 */
  readonly batchSize?: number
  /** @default 'skip-live' */
  readonly mode?: BackfillMode
  /** Attempts per batch on deadlock or serialization failure. @default 5 */
  readonly maxAttempts?: number
  /** @default systemClock */
  readonly clock?: Clock
  /** @default silentLogger */
  readonly logger?: Logger
  /**
   * Fault point "rows read and locked, events not yet appended": tests arm it to race a writer
   * against a batch. A no-op unless given.
   */
  readonly afterRead?: (rows: readonly Row[]) => Promise<void>
}

/** Default tunables of {@link BackfillOptions}. */
export const BACKFILL_DEFAULTS = {
  batchSize: 500,
  mode: 'skip-live',
  maxAttempts: 5,
  clock: systemClock,
  logger: silentLogger,
} as const

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/

/** Validates options at construction. */
export function resolveBackfillOptions<Row>(o: BackfillOptions<Row>) {
  const bad = (field: string, why: string) =>
    new SyncKitError('E_SYNC_INVALID_OPTION', `createBackfill(): ${field} ${why}`, {
      context: { field },
    })
  if (typeof o.name !== 'string' || o.name === '') throw bad('name', 'is required')
  if (!IDENT.test(o.table)) throw bad('table', 'must be an identifier (or schema.identifier)')
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.keyColumn)) throw bad('keyColumn', 'must be an identifier')
  if (typeof o.toEvent !== 'function') throw bad('toEvent', 'must be a function')
  const batchSize = o.batchSize ?? BACKFILL_DEFAULTS.batchSize
  if (!Number.isInteger(batchSize) || batchSize < 1) throw bad('batchSize', 'must be >= 1')
  return { ...BACKFILL_DEFAULTS, ...o, batchSize }
}
