import type { PoolClient, QueryResult } from 'pg'
import type { ErrorRecord } from '../errors.js'
import type {
  InstanceRecord,
  SagaState,
  Snapshot,
  StepRecord,
  StepStatus,
} from '../core/records.js'
import { stepKey } from '../core/records.js'
import type { Direction } from '../core/types.js'
import { inline } from './client-tx.js'

type Row = Record<string, unknown>
const num = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value)

/** Maps a `saga.instance` row. */
export function toInstance(row: Row): InstanceRecord {
  return {
    sagaId: row.saga_id as string,
    sagaName: row.saga_name as string,
    state: row.state as SagaState,
    data: row.data,
    cursor: (row.cursor as string | null) ?? null,
    deadlineAt: num(row.deadline_at),
    nextWakeAt: num(row.next_wake_at),
    owner: (row.owner as string | null) ?? null,
    leaseUntil: num(row.lease_until),
    lockKey: (row.lock_key as string | null) ?? null,
    failedPhase: (row.failed_phase as 'forward' | 'backward' | null) ?? null,
    failedStep: (row.failed_step as string | null) ?? null,
    error: (row.error as ErrorRecord | null) ?? null,
    version: Number(row.version),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  }
}

/** Maps a `saga.step` row. */
export function toStep(row: Row): StepRecord {
  return {
    stepId: row.step_id as string,
    direction: row.direction as Direction,
    status: row.status as StepStatus,
    attempt: Number(row.attempt),
    attemptLimit: Number(row.attempt_limit),
    uncertain: Boolean(row.uncertain),
    deadlineAt: num(row.deadline_at),
    nextAt: num(row.next_at),
    result: row.result ?? null,
    error: (row.error as ErrorRecord | null) ?? null,
    startedAt: Number(row.started_at),
    finishedAt: num(row.finished_at),
  }
}

/**
 * Statements that lock a saga's instance row and then read its step log, as one simple-protocol
 * query (one round trip). They must stay two statements: under READ COMMITTED each statement
 * takes its own snapshot, so the step read, taken once the lock is granted, sees the rows the
 * previous holder committed; a subquery inside the locking SELECT would read the snapshot from
 * before the wait and miss them.
 */
export function lockStatements(sagaId: string): string {
  return inline(
    'SELECT * FROM saga.instance WHERE saga_id = $1 FOR UPDATE;\nSELECT * FROM saga.step WHERE saga_id = $1',
    [sagaId],
  )
}

/** The snapshot read by {@link lockStatements} (their two results, in order); null if absent. */
export function snapshotOf(results: readonly QueryResult[]): Snapshot | null {
  const [inst, steps] = results
  if (inst?.rows[0] === undefined) return null
  return { instance: toInstance(inst.rows[0] as Row), steps: stepMap(steps?.rows ?? []) }
}

/** Locks the instance row (single writer per saga) and loads its step log; null if absent. */
export async function loadForUpdate(client: PoolClient, sagaId: string): Promise<Snapshot | null> {
  const results = (await client.query(lockStatements(sagaId))) as unknown as QueryResult[]
  return snapshotOf(results)
}

function stepMap(rows: readonly unknown[]): Map<string, StepRecord> {
  const map = new Map<string, StepRecord>()
  for (const row of rows as Row[]) {
    const step = toStep(row)
    map.set(stepKey(step.stepId, step.direction), step)
  }
  return map
}

/** The step log of one saga, keyed by {@link stepKey}. */
export async function loadSteps(
  client: PoolClient,
  sagaId: string,
): Promise<Map<string, StepRecord>> {
  const steps = await client.query('SELECT * FROM saga.step WHERE saga_id = $1', [sagaId])
  return stepMap(steps.rows)
}

/**
 * Inserts a new instance with its first history entry, in one statement; the entry is written
 * only when the instance is (its row count is 1 then, 0 when the id already existed).
 */
export function startStatement(
  record: InstanceRecord,
  entry: HistoryEntry,
): { text: string; params: unknown[] } {
  const text = `WITH i AS (
       INSERT INTO saga.instance (saga_id, saga_name, state, data, cursor, deadline_at, next_wake_at, owner,
         lease_until, lock_key, version, created_at, updated_at)
       VALUES ($1,$2,$3,$4::jsonb,$5,$6,$7,$8,$9,$10,0,$11,$11) ON CONFLICT (saga_id) DO NOTHING RETURNING saga_id)
     INSERT INTO saga.history (saga_id, at, kind, detail) SELECT saga_id, $11, $12, $13::jsonb FROM i`
  const params = [
    record.sagaId,
    record.sagaName,
    record.state,
    JSON.stringify(record.data),
    record.cursor,
    record.deadlineAt,
    record.nextWakeAt,
    record.owner,
    record.leaseUntil,
    record.lockKey,
    record.createdAt,
    entry.kind,
    entry.detail === undefined ? null : JSON.stringify(entry.detail),
  ]
  return { text, params }
}

/** Runs {@link startStatement}; returns false when the id already exists (idempotent start). */
export async function insertInstance(
  client: PoolClient,
  instance: InstanceRecord,
  entry: HistoryEntry,
): Promise<boolean> {
  const { text, params } = startStatement(instance, entry)
  return (await client.query(text, params)).rowCount === 1
}

/** A step row's columns after `saga_id`, in the order of every step insert. */
export const STEP_COLUMNS = `step_id, direction, status, attempt, attempt_limit, uncertain, deadline_at,
       next_at, result, error, started_at, finished_at`

/** How a step insert updates the existing row of its step direction (`started_at` is kept). */
export const STEP_CONFLICT = `ON CONFLICT (saga_id, step_id, direction) DO UPDATE SET status=EXCLUDED.status, attempt=EXCLUDED.attempt,
       attempt_limit=EXCLUDED.attempt_limit, uncertain=EXCLUDED.uncertain, deadline_at=EXCLUDED.deadline_at,
       next_at=EXCLUDED.next_at, result=EXCLUDED.result, error=EXCLUDED.error, finished_at=EXCLUDED.finished_at`

const UPSERT_STEP = `INSERT INTO saga.step (saga_id, ${STEP_COLUMNS})
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)
     ${STEP_CONFLICT}`

/** A step row's values, saga_id first, in the column order of every step insert ($1..$13). */
export function stepParams(sagaId: string, step: StepRecord): unknown[] {
  return [
    sagaId,
    step.stepId,
    step.direction,
    step.status,
    step.attempt,
    step.attemptLimit,
    step.uncertain,
    step.deadlineAt,
    step.nextAt,
    JSON.stringify(step.result ?? null),
    step.error === null ? null : JSON.stringify(step.error),
    step.startedAt,
    step.finishedAt,
  ]
}

/** Inserts or updates the one row of a step direction. */
export async function saveStep(
  client: PoolClient,
  sagaId: string,
  step: StepRecord,
): Promise<void> {
  await client.query(UPSERT_STEP, stepParams(sagaId, step))
}

/** One entry of the queryable history. */
export interface HistoryEntry {
  readonly kind: string
  readonly stepId?: string
  readonly direction?: Direction
  readonly attempt?: number
  readonly detail?: unknown
}

const HISTORY_INSERT =
  'INSERT INTO saga.history (saga_id, at, kind, step_id, direction, attempt, detail) VALUES ($1,$2,$3,$4,$5,$6,$7)'

const historyParams = (sagaId: string, at: number, entry: HistoryEntry): unknown[] => [
  sagaId,
  at,
  entry.kind,
  entry.stepId ?? null,
  entry.direction ?? null,
  entry.attempt ?? null,
  entry.detail === undefined ? null : JSON.stringify(entry.detail),
]

/** Appends to `saga.history`, in the caller's transaction. */
export async function appendHistory(
  client: PoolClient,
  sagaId: string,
  at: number,
  entry: HistoryEntry,
): Promise<void> {
  await client.query(HISTORY_INSERT, historyParams(sagaId, at, entry))
}

/** {@link appendHistory} as a statement with literals, to send with other writes. */
export const historyStatement = (sagaId: string, at: number, entry: HistoryEntry): string =>
  inline(HISTORY_INSERT, historyParams(sagaId, at, entry))

/** Records a message that could not be applied, so an operator can see it. */
export async function deadLetter(
  client: PoolClient,
  at: number,
  source: string,
  reason: string,
  message: unknown,
): Promise<void> {
  await client.query(
    'INSERT INTO saga.dead_letter (at, source, reason, message) VALUES ($1,$2,$3,$4)',
    [at, source, reason, JSON.stringify(message ?? null)],
  )
}
