import type { Pool, PoolClient } from 'pg'
import type { EventEnvelope } from '../envelope.js'
import { SyncKitError, describeError, isSyncKitError } from '../errors.js'
import type {
  AggregateRef,
  ChunkClaim,
  ChunkEnd,
  EventOrigin,
  ParkedEvent,
  ProjectionStore,
  TransactionOptions,
} from '../consumer/ports.js'
import { SCHEMA_TABLES, asSchemaMissing, requireTables } from '../schema.js'
import { closeChunkSql, openChunkSql, readClaim, type Quote } from './postgres-chunk.js'

/** Options for {@link createPostgresConsumerStore}. */
export interface PostgresConsumerStoreOptions {
  /** The consumer's own database (where its read models live). The caller owns the pool. */
  readonly pool: Pool
}

/** SQLSTATE classes that mean "the server is not there right now", not "this event is bad". */
const UNAVAILABLE_STATES = /^(08|53|57P0[1-3])/
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND'])

/** Quotes an SQL identifier (table names come from projection definitions, not from users). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

interface ParkedRow {
  event: EventEnvelope
  origin: EventOrigin
  dead: boolean
  parked_at: string
}

const toParked = (r: ParkedRow): ParkedEvent => ({
  event: r.event,
  origin: r.origin,
  dead: r.dead,
  parkedAt: Number(r.parked_at),
})

/**
 * The Postgres {@link ProjectionStore}: inbox, positions and parked events in the `sync_inbox*`
 * tables (migration `0101_inbox`). A transaction is a `pg.PoolClient` inside `BEGIN`, handed to
 * handlers so their writes commit with the inbox row.
 */
export class PostgresConsumerStore implements ProjectionStore<PoolClient> {
  readonly #pool: Pool

  constructor(options: PostgresConsumerStoreOptions) {
    this.#pool = options.pool
  }

  /** Throws `E_SYNC_SCHEMA_MISSING` naming `migrateSyncKit()` when the inbox tables are missing. */
  async checkSchema(): Promise<void> {
    await requireTables(this.#pool, SCHEMA_TABLES.inbox, 'sync-kit consumer store')
  }

  async transaction<T>(
    fn: (tx: PoolClient) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<T> {
    return this.#session(async (client) => {
      await client.query('BEGIN')
      if (options.sharedLock !== undefined) {
        await client.query('SELECT pg_advisory_xact_lock_shared(hashtext($1))', [
          options.sharedLock,
        ])
      }
      const result = await fn(client)
      await client.query('COMMIT')
      return result
    })
  }

  /**
   * A chunk in `n + 2` round trips when each of its `n` handlers makes one statement: BEGIN, the
   * shared lock, the claim and the parked check travel together, and so do the positions and
   * COMMIT (a failing update stops the query text before COMMIT, and the catch rolls back).
   */
  async chunkTransaction<T>(
    namespace: string,
    events: readonly EventEnvelope[],
    fn: (tx: PoolClient, claim: ChunkClaim) => Promise<ChunkEnd<T>>,
    options: TransactionOptions = {},
  ): Promise<T> {
    return this.#session(async (client) => {
      const q: Quote = (v) => client.escapeLiteral(v)
      const claim = readClaim(
        await client.query(openChunkSql(q, namespace, events, options.sharedLock)),
      )
      const end = await fn(client, claim)
      await client.query(closeChunkSql(q, namespace, end.sequences))
      return end.value
    })
  }

  /** Runs `body` (which opens and commits a transaction) on a pooled client; rolls back on a throw. */
  async #session<T>(body: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#connect()
    let broken = false
    // A connection that dies while checked out emits 'error' on the client as well as failing
    // the query; without a listener that event would crash the process.
    const onError = () => {
      broken = true
    }
    client.on('error', onError)
    try {
      return await body(client)
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true
      })
      const missing = isSyncKitError(err) ? undefined : asSchemaMissing(err, 'sync-kit consumer')
      if (missing !== undefined) throw missing
      // An outage becomes a kit error here; a handler's own failure goes up as it was thrown.
      if (!isSyncKitError(err) && this.isUnavailable(err)) {
        throw new SyncKitError('E_SYNC_DATABASE', `database unavailable: ${describeError(err)}`, {
          retryable: true,
          cause: err,
        })
      }
      throw err
    } finally {
      client.off('error', onError)
      client.release(broken)
    }
  }

  async #connect(): Promise<PoolClient> {
    try {
      return await this.#pool.connect()
    } catch (err) {
      throw new SyncKitError('E_SYNC_DATABASE', `cannot connect: ${describeError(err)}`, {
        retryable: true,
        cause: err,
      })
    }
  }

  async claim(tx: PoolClient, namespace: string, eventId: string): Promise<boolean> {
    const r = await tx.query(
      'INSERT INTO sync_inbox (namespace, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [namespace, eventId],
    )
    return r.rowCount === 1
  }

  async lastSequence(tx: PoolClient, namespace: string, a: AggregateRef): Promise<number> {
    // An upsert whose no-op update locks the row: even the first event of an aggregate serialises
    // with a concurrent one, and after waiting for a concurrent holder it returns that holder's
    // committed value (ON CONFLICT DO UPDATE works on the latest version), like SELECT FOR UPDATE,
    // in one round trip instead of an insert and a select.
    const r = await tx.query<{ last: string }>(
      `INSERT INTO sync_inbox_position AS p (namespace, aggregatetype, aggregateid, last_sequence)
       VALUES ($1, $2, $3, 0)
       ON CONFLICT (namespace, aggregatetype, aggregateid)
       DO UPDATE SET last_sequence = p.last_sequence
       RETURNING last_sequence::text AS last`,
      [namespace, a.aggregateType, a.aggregateId],
    )
    return Number(r.rows[0]?.last ?? 0)
  }

  async claimAndLock(
    tx: PoolClient,
    namespace: string,
    event: EventEnvelope,
  ): Promise<number | null> {
    // claim() and lastSequence() as one statement: the position upsert runs only when the inbox
    // insert claimed the id, so a duplicate returns no row and locks nothing.
    const r = await tx.query<{ last: string }>(
      `WITH c AS (
         INSERT INTO sync_inbox (namespace, event_id) VALUES ($1, $4)
         ON CONFLICT DO NOTHING RETURNING 1)
       INSERT INTO sync_inbox_position AS p (namespace, aggregatetype, aggregateid, last_sequence)
       SELECT $1, $2, $3, 0 FROM c
       ON CONFLICT (namespace, aggregatetype, aggregateid)
       DO UPDATE SET last_sequence = p.last_sequence
       RETURNING last_sequence::text AS last`,
      [namespace, event.aggregateType, event.aggregateId, event.id],
    )
    const row = r.rows[0]
    return row === undefined ? null : Number(row.last)
  }

  async setSequence(
    tx: PoolClient,
    ns: string,
    a: AggregateRef,
    sequence: number,
  ): Promise<boolean> {
    // The parked check rides on the update: parking happens under this position row's lock,
    // which this transaction holds, so no event can be parked behind our back before commit.
    const r = await tx.query<{ parked: boolean }>(
      `UPDATE sync_inbox_position SET last_sequence = $4
       WHERE namespace = $1 AND aggregatetype = $2 AND aggregateid = $3
       RETURNING EXISTS (SELECT 1 FROM sync_inbox_parked k
                          WHERE k.namespace = $1 AND k.aggregatetype = $2
                            AND k.aggregateid = $3) AS parked`,
      [ns, a.aggregateType, a.aggregateId, sequence],
    )
    return r.rows[0]?.parked === true
  }

  async park(tx: PoolClient, namespace: string, p: ParkedEvent): Promise<boolean> {
    const r = await tx.query(
      `INSERT INTO sync_inbox_parked
         (namespace, aggregatetype, aggregateid, sequence, event, origin, dead, parked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
      [
        namespace,
        p.event.aggregateType,
        p.event.aggregateId,
        p.event.sequence,
        JSON.stringify(p.event),
        JSON.stringify(p.origin),
        p.dead,
        p.parkedAt,
      ],
    )
    return r.rowCount === 1
  }

  async takeParked(
    tx: PoolClient,
    namespace: string,
    a: AggregateRef,
    sequence: number,
  ): Promise<ParkedEvent | undefined> {
    const r = await tx.query<ParkedRow>(
      `DELETE FROM sync_inbox_parked
       WHERE namespace = $1 AND aggregatetype = $2 AND aggregateid = $3 AND sequence = $4
       RETURNING event, origin, dead, parked_at::text AS parked_at`,
      [namespace, a.aggregateType, a.aggregateId, sequence],
    )
    const row = r.rows[0]
    return row === undefined ? undefined : toParked(row)
  }

  async listParked(namespace: string): Promise<ParkedEvent[]> {
    const r = await this.#pool.query<ParkedRow>(
      `SELECT event, origin, dead, parked_at::text AS parked_at FROM sync_inbox_parked
       WHERE namespace = $1 ORDER BY parked_at, aggregatetype, aggregateid, sequence`,
      [namespace],
    )
    return r.rows.map(toParked)
  }

  isUnavailable(err: unknown): boolean {
    if (isSyncKitError(err)) return err.code === 'E_SYNC_DATABASE' && err.retryable
    if (typeof err !== 'object' || err === null) return false
    const code = (err as { code?: unknown }).code
    if (
      typeof code === 'string' &&
      (UNAVAILABLE_STATES.test(code) || UNAVAILABLE_ERRNO.has(code))
    ) {
      return true
    }
    return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(
      describeError(err),
    )
  }

  async exclusive<T>(lock: string, fn: () => Promise<T>): Promise<T> {
    return this.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lock])
      return fn()
    })
  }

  async swapTables(tx: PoolClient, live: string, fresh: string): Promise<void> {
    await tx.query(`DROP TABLE IF EXISTS ${quoteIdent(live)}`)
    await tx.query(`ALTER TABLE ${quoteIdent(fresh)} RENAME TO ${quoteIdent(live)}`)
  }

  async dropTable(tx: PoolClient, table: string): Promise<void> {
    await tx.query(`DROP TABLE IF EXISTS ${quoteIdent(table)}`)
  }

  async moveNamespace(tx: PoolClient, from: string, to: string): Promise<void> {
    for (const table of ['sync_inbox', 'sync_inbox_position', 'sync_inbox_parked']) {
      await tx.query(`DELETE FROM ${table} WHERE namespace = $1`, [to])
      await tx.query(`UPDATE ${table} SET namespace = $2 WHERE namespace = $1`, [from, to])
    }
  }
}

/** Creates the Postgres consumer and projection store on a pool the caller owns. */
export function createPostgresConsumerStore(
  options: PostgresConsumerStoreOptions,
): PostgresConsumerStore {
  return new PostgresConsumerStore(options)
}
