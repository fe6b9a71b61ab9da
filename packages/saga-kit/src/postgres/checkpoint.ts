import type { InstanceRecord, StepRecord } from '../core/records.js'
import { stepKey } from '../core/records.js'
import type { SagaTx } from '../core/types.js'
import { type HistoryEntry, STEP_COLUMNS, STEP_CONFLICT } from './repo.js'
import { ClientTx } from './tx.js'

/** Writes every mutable column of an instance ($1..$12 of {@link instanceParams}); bumps its version. */
const SAVE_INSTANCE = `UPDATE saga.instance SET state=$2, cursor=$3, deadline_at=$4, next_wake_at=$5, owner=$6,
       lease_until=$7, lock_key=$8, failed_phase=$9, failed_step=$10, error=$11, version=version+1, updated_at=$12
     WHERE saga_id=$1`

function instanceParams(i: InstanceRecord, now: number): unknown[] {
  return [
    i.sagaId,
    i.state,
    i.cursor,
    i.deadlineAt,
    i.nextWakeAt,
    i.owner,
    i.leaseUntil,
    i.lockKey,
    i.failedPhase,
    i.failedStep,
    i.error === null ? null : JSON.stringify(i.error),
    now,
  ]
}

// Entries in the order they were made; WITH ORDINALITY keeps that order in their ids.
const INSERT_HISTORY = `h AS (INSERT INTO saga.history (saga_id, at, kind, step_id, direction, attempt, detail)
     SELECT $1, h.at, h.kind, h.step_id, h.direction, h.attempt, h.detail::jsonb
       FROM ROWS FROM (jsonb_to_recordset($13::jsonb) AS (at bigint, kind text, step_id text, direction text,
         attempt integer, detail text)) WITH ORDINALITY AS h(at, kind, step_id, direction, attempt, detail, n)
      ORDER BY h.n)`

// JSON columns travel as JSON text and are cast here, so a null result stays the JSON null the
// single-row writers store, and a missing error stays SQL NULL.
const UPSERT_STEPS = `s AS (INSERT INTO saga.step (saga_id, ${STEP_COLUMNS})
     SELECT $1, s.step_id, s.direction, s.status, s.attempt, s.attempt_limit, s.uncertain, s.deadline_at,
       s.next_at, s.result::jsonb, s.error::jsonb, s.started_at, s.finished_at
       FROM jsonb_to_recordset($14::jsonb) AS s(step_id text, direction text, status text, attempt integer,
         attempt_limit integer, uncertain boolean, deadline_at bigint, next_at bigint, result text, error text,
         started_at bigint, finished_at bigint)
     ${STEP_CONFLICT})`

/**
 * The writes one pass of the engine makes to its own saga's rows (step log, history, instance),
 * held in memory while it holds the row lock and written by {@link Checkpoint.write} in one
 * statement at the end of the pass. Nothing in the transaction reads them back in between (the
 * snapshot in memory is the pass's state), so holding them back changes what commits in no way,
 * only the number of round trips: one instead of two or three per step.
 */
export class Checkpoint {
  private readonly history: Record<string, unknown>[] = []
  private readonly steps = new Map<string, Record<string, unknown>>()

  /** Queues a history entry. */
  note(at: number, e: HistoryEntry): void {
    this.history.push({
      at,
      kind: e.kind,
      step_id: e.stepId ?? null,
      direction: e.direction ?? null,
      attempt: e.attempt ?? null,
      detail: e.detail === undefined ? null : JSON.stringify(e.detail),
    })
  }

  /** Queues a step row (the latest of a step direction wins) and its history entry. */
  step(s: StepRecord, at: number, kind: string): void {
    const error = s.error === null ? null : JSON.stringify(s.error)
    this.steps.set(stepKey(s.stepId, s.direction), {
      step_id: s.stepId,
      direction: s.direction,
      status: s.status,
      attempt: s.attempt,
      attempt_limit: s.attemptLimit,
      uncertain: s.uncertain,
      deadline_at: s.deadlineAt,
      next_at: s.nextAt,
      result: JSON.stringify(s.result ?? null),
      error,
      started_at: s.startedAt,
      finished_at: s.finishedAt,
    })
    this.history.push({
      at,
      kind,
      step_id: s.stepId,
      direction: s.direction,
      attempt: s.attempt,
      detail: error,
    })
  }

  /**
   * Writes the queued rows and the instance in one statement, as the transaction's last write
   * (sent with COMMIT when the transaction allows it, see {@link ClientTx.writeLast}).
   */
  async write(tx: SagaTx, instance: InstanceRecord, now: number): Promise<void> {
    const ctes = [
      ...(this.history.length > 0 ? [INSERT_HISTORY] : []),
      ...(this.steps.size > 0 ? [UPSERT_STEPS] : []),
    ]
    const text = ctes.length === 0 ? SAVE_INSTANCE : `WITH ${ctes.join(',\n')}\n${SAVE_INSTANCE}`
    // Every parameter sent must appear in the text (Postgres infers each one's type); a queued
    // step always queues a history entry, so $14 is only used along with $13.
    const params = [
      ...instanceParams(instance, now),
      JSON.stringify(this.history),
      JSON.stringify([...this.steps.values()]),
    ].slice(0, 12 + ctes.length)
    this.history.length = 0
    this.steps.clear()
    if (tx instanceof ClientTx) await tx.writeLast(text, params)
    else await tx.client.query(text, params)
  }
}
