import type { Pool } from 'pg'
import { SagaKitError } from '../errors.js'
import { guardClient } from './client-guard.js'

/**
 * The schema, one entry per version; entries are append-only once shipped. Times are epoch
 * milliseconds (bigint) from the injected clock, so tests can move time.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE saga.instance (
    saga_id      text PRIMARY KEY,
    saga_name    text NOT NULL,
    state        text NOT NULL CHECK (state IN ('STASHED','RUNNING','COMPENSATING','COMPLETED','COMPENSATED','FAILED')),
    data         jsonb NOT NULL,
    cursor       text,
    deadline_at  bigint,
    next_wake_at bigint,
    owner        text,
    lease_until  bigint,
    lock_key     text,
    failed_phase text,
    failed_step  text,
    error        jsonb,
    version      integer NOT NULL DEFAULT 0,
    created_at   bigint NOT NULL,
    updated_at   bigint NOT NULL
  );
  CREATE INDEX instance_due ON saga.instance (next_wake_at) WHERE state IN ('RUNNING','COMPENSATING');
  CREATE INDEX instance_state ON saga.instance (state, saga_name);
  CREATE INDEX instance_stash ON saga.instance (lock_key, created_at) WHERE state = 'STASHED';

  CREATE TABLE saga.step (
    saga_id       text NOT NULL REFERENCES saga.instance (saga_id) ON DELETE CASCADE,
    step_id       text NOT NULL,
    direction     text NOT NULL CHECK (direction IN ('invoke','compensate')),
    status        text NOT NULL,
    attempt       integer NOT NULL,
    attempt_limit integer NOT NULL,
    uncertain     boolean NOT NULL DEFAULT false,
    deadline_at   bigint,
    next_at       bigint,
    result        jsonb,
    error         jsonb,
    started_at    bigint NOT NULL,
    finished_at   bigint,
    PRIMARY KEY (saga_id, step_id, direction)
  );

  CREATE TABLE saga.history (
    id        bigserial PRIMARY KEY,
    saga_id   text NOT NULL,
    at        bigint NOT NULL,
    kind      text NOT NULL,
    step_id   text,
    direction text,
    attempt   integer,
    detail    jsonb
  );
  CREATE INDEX history_saga ON saga.history (saga_id, id);

  CREATE TABLE saga.lock (
    lock_key    text PRIMARY KEY,
    saga_id     text NOT NULL,
    acquired_at bigint NOT NULL
  );

  CREATE TABLE saga.dead_letter (
    id      bigserial PRIMARY KEY,
    at      bigint NOT NULL,
    source  text NOT NULL,
    reason  text NOT NULL,
    message jsonb
  );

  CREATE TABLE saga.inbox (
    participant     text NOT NULL,
    idempotency_key text NOT NULL,
    direction       text NOT NULL,
    outcome         text NOT NULL,
    reply           jsonb,
    at              bigint NOT NULL,
    PRIMARY KEY (participant, idempotency_key, direction)
  );

  CREATE TABLE saga.message (
    id         bigserial PRIMARY KEY,
    channel    text NOT NULL,
    message    jsonb NOT NULL,
    visible_at bigint NOT NULL,
    attempts   integer NOT NULL DEFAULT 0
  );
  CREATE INDEX message_ready ON saga.message (channel, visible_at, id);
  `,
  // 2: commands stashed by participants until a saga's semantic lock on their entity is released.
  `
  CREATE TABLE saga.stash (
    id              bigserial PRIMARY KEY,
    lock_key        text NOT NULL,
    participant     text NOT NULL,
    idempotency_key text NOT NULL,
    direction       text NOT NULL,
    attempt         integer NOT NULL,
    holder          text NOT NULL,
    message         jsonb NOT NULL,
    at              bigint NOT NULL,
    UNIQUE (participant, idempotency_key, direction, attempt)
  );
  CREATE INDEX stash_lock ON saga.stash (lock_key, id);
  `,
]

/**
 * Creates or upgrades the `saga` schema. Safe to call from many processes at once: an advisory
 * lock serialises them and applied versions are recorded.
 */
export async function migrateSagaKit(db: Pool): Promise<void> {
  const client = await db.connect()
  const unguard = guardClient(client)
  try {
    await client.query('BEGIN')
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('faultline.saga-kit.migrate'))`)
    await client.query('CREATE SCHEMA IF NOT EXISTS saga')
    await client.query(
      'CREATE TABLE IF NOT EXISTS saga.migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    )
    const { rows } = await client.query<{ v: number | null }>(
      'SELECT max(version) AS v FROM saga.migrations',
    )
    for (let value = (rows[0]?.v ?? 0) + 1; value <= MIGRATIONS.length; value++) {
      await client.query(MIGRATIONS[value - 1]!)
      await client.query('INSERT INTO saga.migrations (version) VALUES ($1)', [value])
    }
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw new SagaKitError('E_SAGA_STORE', `Migrating the saga schema failed: ${String(error)}`, {
      cause: error,
    })
  } finally {
    unguard()
    client.release()
  }
}
