import type { Migration } from '../migrations/runner.js'

/**
 * The consumer's tables, in the consumer's own database (next to its read models, so an inbox
 * row and the handler's writes commit together).
 *
 * - `sync_inbox`: one row per consumed event id, per namespace (a consumer group or projection).
 * - `sync_inbox_position`: the last applied sequence of each aggregate; its row lock serialises
 *   two deliveries of one aggregate.
 * - `sync_inbox_parked`: events held back behind a sequence gap, with where they were read.
 * - `sync_backfill_cursor`: how far each backfill got, advanced in the same transaction as the
 *   events it emitted.
 */
export const INBOX_MIGRATIONS: readonly Migration[] = [
  {
    id: '0101_inbox',
    sql: `
      CREATE TABLE IF NOT EXISTS sync_inbox (
        namespace   text        NOT NULL,
        event_id    uuid        NOT NULL,
        consumed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (namespace, event_id)
      );
      CREATE TABLE IF NOT EXISTS sync_inbox_position (
        namespace     text   NOT NULL,
        aggregatetype text   NOT NULL,
        aggregateid   text   NOT NULL,
        last_sequence bigint NOT NULL,
        PRIMARY KEY (namespace, aggregatetype, aggregateid)
      );
      CREATE TABLE IF NOT EXISTS sync_inbox_parked (
        namespace     text    NOT NULL,
        aggregatetype text    NOT NULL,
        aggregateid   text    NOT NULL,
        sequence      bigint  NOT NULL,
        event         jsonb   NOT NULL,
        origin        jsonb   NOT NULL,
        dead          boolean NOT NULL,
        parked_at     bigint  NOT NULL,
        PRIMARY KEY (namespace, aggregatetype, aggregateid, sequence)
      );`,
  },
  {
    id: '0102_backfill_cursor',
    sql: `
      CREATE TABLE IF NOT EXISTS sync_backfill_cursor (
        name       text        PRIMARY KEY,
        cursor     text,
        done       boolean     NOT NULL DEFAULT false,
        emitted    bigint      NOT NULL DEFAULT 0,
        skipped    bigint      NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      );`,
  },
]
