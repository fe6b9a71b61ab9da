import type { ConsumedEvent, JsonValue } from '../envelope.js'
import { SyncKitError } from '../errors.js'

/** Where a projection's `apply` writes: the live table, or a fresh one during `rebuild()`. */
export interface ProjectionContext {
  readonly table: string
}

/** A read model kept from events. `Tx` is the store's transaction (a `pg.PoolClient`, a `MemoryTx`). */
export interface ProjectionDefinition<Tx> {
  /** Unique per database; names the inbox namespace, consumer group and lock. */
  readonly name: string
  /** Event types (without version) this projection applies; other types only advance sequences. */
  readonly handles: readonly string[]
  /** The read-model table readers query. @default name */
  readonly table?: string
  /** Applies one event (current version) to `ctx.table`, inside the consumer's transaction. */
  apply(tx: Tx, event: ConsumedEvent, ctx: ProjectionContext): Promise<void>
  /** Creates `table` empty if it does not exist (`CREATE TABLE IF NOT EXISTS ...`). */
  createTable(tx: Tx, table: string): Promise<void>
  /** Every row of `table` as JSON, for `checksum()`; order does not matter. */
  rows(tx: Tx, table: string): Promise<readonly JsonValue[]>
}

/** A validated, frozen projection definition with its table resolved. */
export type Projection<Tx> = Readonly<ProjectionDefinition<Tx> & { table: string }>

const IDENT = /^[a-z_][a-z0-9_]{0,39}$/

/**
 * Declares a projection. The name and table must be plain lower-case SQL identifiers (at most 40
 * characters, so a rebuild's `<table>__rb_<id>` still fits Postgres' 63).
 */
export function defineProjection<Tx>(definition: ProjectionDefinition<Tx>): Projection<Tx> {
  const table = definition.table ?? definition.name
  const bad = (field: string, why: string) =>
    new SyncKitError('E_SYNC_INVALID_OPTION', `defineProjection(): ${field} ${why}`, {
      context: { field, projection: String(definition.name) },
    })
  if (typeof definition.name !== 'string' || !IDENT.test(definition.name)) {
    throw bad('name', 'must match /^[a-z_][a-z0-9_]{0,39}$/')
  }
  if (!IDENT.test(table)) throw bad('table', 'must match /^[a-z_][a-z0-9_]{0,39}$/')
  if (!Array.isArray(definition.handles) || definition.handles.length === 0) {
    throw bad('handles', 'must list at least one event type')
  }
  for (const fn of ['apply', 'createTable', 'rows'] as const) {
    if (typeof definition[fn] !== 'function') throw bad(fn, 'must be a function')
  }
  return Object.freeze({
    ...definition,
    table,
    handles: [...(definition.handles as readonly string[])],
  })
}
