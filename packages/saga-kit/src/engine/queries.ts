import type { Pool } from 'pg'
import type { InstanceRecord, SagaState, StepRecord } from '../core/records.js'
import { toInstance, toStep } from './saga-rows.js'

/** A saga instance with its step log, as `get()` returns it. */
export interface SagaView extends InstanceRecord {
  readonly steps: readonly StepRecord[]
}

/** Filters for `list()`. */
export interface ListOptions {
  readonly state?: SagaState
  readonly sagaName?: string
  /** @default 100 */
  readonly limit?: number
}

/** One row of `saga.history`. */
export interface HistoryRecord {
  readonly id: number
  readonly at: number
  readonly kind: string
  readonly stepId: string | null
  readonly direction: string | null
  readonly attempt: number | null
  readonly detail: unknown
}

/** Loads one saga and its step log, or undefined. */
export async function getSaga(db: Pool, sagaId: string): Promise<SagaView | undefined> {
  const inst = await db.query('SELECT * FROM saga.instance WHERE saga_id = $1', [sagaId])
  if (inst.rows[0] === undefined) return undefined
  const steps = await db.query(
    'SELECT * FROM saga.step WHERE saga_id = $1 ORDER BY started_at, step_id, direction',
    [sagaId],
  )
  return {
    ...toInstance(inst.rows[0] as Record<string, unknown>),
    steps: steps.rows.map((row) => toStep(row as Record<string, unknown>)),
  }
}

/** Lists instances, newest first. */
export async function listSagas(db: Pool, options: ListOptions = {}): Promise<InstanceRecord[]> {
  const { rows } = await db.query(
    `SELECT * FROM saga.instance WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR saga_name = $2)
     ORDER BY created_at DESC, saga_id LIMIT $3`,
    [options.state ?? null, options.sagaName ?? null, options.limit ?? 100],
  )
  return rows.map((row) => toInstance(row as Record<string, unknown>))
}

/** The history of one saga in order. */
export async function sagaHistory(db: Pool, sagaId: string): Promise<HistoryRecord[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    'SELECT * FROM saga.history WHERE saga_id = $1 ORDER BY id',
    [sagaId],
  )
  return rows.map((entry) => ({
    id: Number(entry.id),
    at: Number(entry.at),
    kind: entry.kind as string,
    stepId: (entry.step_id as string | null) ?? null,
    direction: (entry.direction as string | null) ?? null,
    attempt: entry.attempt === null ? null : Number(entry.attempt),
    detail: entry.detail,
  }))
}
