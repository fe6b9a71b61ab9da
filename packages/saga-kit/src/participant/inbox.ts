import type { QueryResult } from 'pg'
import type { CommandBody, ReplyBody } from '../core/messages.js'
import type { Direction, SagaTx } from '../core/types.js'
import type { ErrorRecord } from '../errors.js'
import { ClientTx, inline } from '../engine/client-tx.js'

/** A participant's stored answer for one direction of an idempotency key. */
export type InboxRow = { outcome: string; reply: ReplyBody | null }

/** A key's stored answers, by direction. */
export type InboxRows = Partial<Record<Direction, InboxRow>>

/**
 * Takes the key's lock, then reads the inbox rows of both directions of the key, and sets the
 * handler's savepoint, in one round trip. Lock and read stay two statements: under READ
 * COMMITTED the read, taken once the lock is granted, sees what the previous holder committed.
 */
export async function lockAndRead(tx: SagaTx, name: string, key: string): Promise<InboxRows> {
  const results = (await tx.client.query(
    inline(
      `SELECT pg_advisory_xact_lock(hashtext($1));
       SELECT direction, outcome, reply FROM saga.inbox WHERE participant=$2 AND idempotency_key=$3;
       SAVEPOINT participant`,
      [`${name}:${key}`, name, key],
    ),
  )) as unknown as QueryResult<InboxRow & { direction: Direction }>[]
  return Object.fromEntries((results[1]?.rows ?? []).map((row) => [row.direction, row]))
}

/** Writes an inbox entry; it travels with the reply when the transaction defers writes. */
export async function recordInbox(
  tx: SagaTx,
  name: string,
  key: string,
  direction: Direction,
  outcome: string,
  reply: ReplyBody,
  now: number,
): Promise<void> {
  const text = inline(
    'INSERT INTO saga.inbox (participant, idempotency_key, direction, outcome, reply, at) VALUES ($1,$2,$3,$4,$5,$6)',
    [name, key, direction, outcome, JSON.stringify(reply), now],
  )
  if (tx instanceof ClientTx) await tx.defer(text)
  else await tx.client.query(text)
}

/** The reply to `cmd`: its step address with the outcome and the result or error. */
export const replyOf = (
  cmd: CommandBody,
  outcome: 'ok' | 'failed',
  extra: { result?: unknown; error?: ErrorRecord },
): ReplyBody => {
  const { replyTo: _replyTo, payload: _payload, ...address } = cmd
  return { ...address, outcome, ...extra }
}
