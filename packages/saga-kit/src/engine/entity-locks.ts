import { randomUUID } from 'node:crypto'
import type { PoolClient } from 'pg'
import { type CommandBody, participantChannel } from '../core/messages.js'
import type { SagaTx } from '../core/types.js'
import { SagaKitError } from '../errors.js'
import type { SagaTransport, SagaMessage } from '../ports.js'

/** First key of the two-key advisory locks that guard entity keys (keeps them apart from others). */
const ENTITY_GUARD_SPACE = 0x5a6a

/**
 * Serialises work on one entity key. Sagas taking or releasing its semantic lock hold the guard
 * exclusively; commands checking it hold it shared. So a lock is never taken while a command
 * that saw the entity free is still uncommitted, and a release never misses a command that is
 * being stashed. Call it in its own statement: the reads after it then see the holder's commit.
 */
export async function guardEntity(
  client: PoolClient,
  lockKey: string,
  mode: 'shared' | 'exclusive',
): Promise<void> {
  const fn = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock'
  await client.query(`SELECT ${fn}($1, hashtext($2))`, [ENTITY_GUARD_SPACE, lockKey])
}

/**
 * The saga that holds the semantic lock on `lockKey`, or null, read in `tx`. Until `tx` ends no
 * saga can take or release that lock, so the answer stays true for the whole transaction.
 */
export async function entityLockHolder(tx: SagaTx, lockKey: string): Promise<string | null> {
  await guardEntity(tx.client, lockKey, 'shared')
  const { rows } = await tx.client.query<{ saga_id: string }>(
    'SELECT saga_id FROM saga.lock WHERE lock_key = $1',
    [lockKey],
  )
  return rows[0]?.saga_id ?? null
}

/** Options of {@link assertUnlocked}. */
export interface AssertUnlockedOptions {
  /** The saga the caller works for; its own lock does not count. */
  readonly sagaId?: string
}

/**
 * For code outside a participant (a plain service or job) about to change an entity in `tx`:
 * throws `E_SAGA_ENTITY_LOCKED` when a saga other than `options.sagaId` holds the entity's
 * semantic lock. Otherwise no saga can lock the entity until `tx` ends, so the caller's writes
 * land either before such a saga starts or after it ends, never during it. `tx` must be on the
 * saga database (where `saga.lock` lives).
 */
export async function assertUnlocked(
  tx: SagaTx,
  lockKey: string,
  options: AssertUnlockedOptions = {},
): Promise<void> {
  const holder = await entityLockHolder(tx, lockKey)
  if (holder === null || holder === options.sagaId) return
  throw entityLocked(lockKey, holder, options.sagaId)
}

/** The error of a command or change refused because another saga holds the entity. */
export function entityLocked(lockKey: string, holder: string, sagaId?: string): SagaKitError {
  const who = sagaId === undefined ? 'the change was refused' : `saga "${sagaId}" was refused`
  return new SagaKitError(
    'E_SAGA_ENTITY_LOCKED',
    `"${lockKey}" is locked by saga "${holder}"; ${who}.`,
    {
      context: { lockKey, holder, sagaId },
      retryable: false,
    },
  )
}

/** Stashes a command until the lock on `lockKey` is released; a duplicate of it is stashed once. */
export async function stashCommand(
  client: PoolClient,
  stash: {
    lockKey: string
    participant: string
    holder: string
    cmd: CommandBody
    message: SagaMessage
    at: number
  },
): Promise<void> {
  const { cmd } = stash
  await client.query(
    `INSERT INTO saga.stash (lock_key, participant, idempotency_key, direction, attempt, holder, message, at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (participant, idempotency_key, direction, attempt) DO NOTHING`,
    [
      stash.lockKey,
      stash.participant,
      cmd.idempotencyKey,
      cmd.direction,
      cmd.attempt,
      stash.holder,
      JSON.stringify(stash.message),
      stash.at,
    ],
  )
}

/**
 * Sends again, in `tx` and in arrival order, every command stashed on `lockKey`; the caller
 * holds the exclusive guard and is releasing the lock. Each goes out under a fresh message id,
 * since transports may drop a message id they have seen. Returns how many.
 */
export async function replayStashed(
  transport: SagaTransport,
  tx: SagaTx,
  lockKey: string,
): Promise<number> {
  const { rows } = await tx.client.query<{ participant: string; message: SagaMessage }>(
    `WITH d AS (DELETE FROM saga.stash WHERE lock_key = $1 RETURNING id, participant, message)
     SELECT participant, message FROM d ORDER BY id`,
    [lockKey],
  )
  for (const { participant, message } of rows) {
    await transport.send(tx, participantChannel(participant), { ...message, id: randomUUID() })
  }
  return rows.length
}
