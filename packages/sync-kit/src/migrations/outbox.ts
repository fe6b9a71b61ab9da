import type { Migration } from './runner.js'

/**
 * The outbox. Column names `id`, `aggregatetype`, `aggregateid`, `type` and `payload` follow
 * Debezium's outbox event router defaults, so the same table also feeds Debezium.
 *
 * - `xid` records the writing transaction (`pg_current_xact_id()`); the polling relay reads only
 *   below `pg_snapshot_xmin(pg_current_snapshot())`, so a slow transaction cannot be skipped.
 * - `position` orders rows within one transaction.
 * - `sync_outbox_sequence` hands out per-aggregate sequence numbers; its row lock makes
 *   concurrent writers of one aggregate commit in sequence order.
 * - `delivered_at` is set by the polling relay once the broker has the row (relay A ignores it).
 * - `sync_relay_cursor` is where the polling relay keeps `low_xid`, below which every row is
 *   delivered (so polls scan only above it), plus the last delivered row for operators.
 */
export const OUTBOX_MIGRATIONS: readonly Migration[] = [
  {
    id: '0001_outbox',
    sql: `
      CREATE TABLE IF NOT EXISTS sync_outbox (
        position      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id            uuid        NOT NULL UNIQUE,
        aggregatetype text        NOT NULL,
        aggregateid   text        NOT NULL,
        type          text        NOT NULL,
        version       integer     NOT NULL CHECK (version >= 1),
        sequence      bigint      NOT NULL CHECK (sequence >= 1),
        payload       jsonb       NOT NULL,
        headers       jsonb       NOT NULL DEFAULT '{}'::jsonb,
        occurred_at   timestamptz NOT NULL DEFAULT now(),
        xid           xid8        NOT NULL DEFAULT pg_current_xact_id(),
        delivered_at  timestamptz,
        UNIQUE (aggregatetype, aggregateid, sequence)
      );
      CREATE INDEX IF NOT EXISTS sync_outbox_xid_idx ON sync_outbox (xid, position);
      CREATE INDEX IF NOT EXISTS sync_outbox_undelivered_idx ON sync_outbox (xid)
        WHERE delivered_at IS NULL;
      CREATE TABLE IF NOT EXISTS sync_outbox_sequence (
        aggregatetype text   NOT NULL,
        aggregateid   text   NOT NULL,
        last_sequence bigint NOT NULL,
        PRIMARY KEY (aggregatetype, aggregateid)
      );
      CREATE TABLE IF NOT EXISTS sync_relay_cursor (
        name       text        PRIMARY KEY,
        commit_ts  timestamptz NOT NULL,
        xid        xid8        NOT NULL,
        position   bigint      NOT NULL,
        low_xid    xid8        NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );`,
  },
]
