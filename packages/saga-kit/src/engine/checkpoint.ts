import type { InstanceRecord, StepRecord } from '../core/records.js'
import { stepKey } from '../core/records.js'
import type { SagaTx } from '../core/types.js'
import { type HistoryEntry, STEP_COLUMNS, STEP_CONFLICT, stepParams } from './saga-rows.js'
import { ClientTx, inline } from './client-tx.js'

// Writes every mutable column of an instance ($1..$12 of instanceParams); bumps its version.
const SAVE_INSTANCE = `UPDATE saga.instance SET state=$2, cursor=$3, deadline_at=$4, next_wake_at=$5, owner=$6,
       lease_until=$7, lock_key=$8, failed_phase=$9, failed_step=$10, error=$11, version=version+1, updated_at=$12
     WHERE saga_id=$1`

function instanceParams(instance: InstanceRecord, now: number): unknown[] {
  return [
    instance.sagaId,
    instance.state,
    instance.cursor,
    instance.deadlineAt,
    instance.nextWakeAt,
    instance.owner,
    instance.leaseUntil,
    instance.lockKey,
    instance.failedPhase,
    instance.failedStep,
    instance.error === null ? null : JSON.stringify(instance.error),
    now,
  ]
}

const HISTORY_ROW = '($1, $2, $3, $4, $5, $6, $7::jsonb)'
const STEP_ROW = '($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12, $13)'

/**
 * The writes one pass of the engine makes to its own saga's rows (step log, history, instance),
 * held in memory while it holds the row lock and written by {@link Checkpoint.write} at the
 * end of the pass, in one round trip. Nothing in the transaction reads them back in between
 * (the snapshot in memory is the pass's state), so holding them back changes nothing that
 * commits, only the number of round trips: one instead of two or three per step.
 */
export class Checkpoint {
  readonly #history: string[] = []
  readonly #steps = new Map<string, string>()

  readonly #sagaId: string
  constructor(sagaId: string) {
    this.#sagaId = sagaId
  }

  /** Queues a history entry. */
  note(at: number, entry: HistoryEntry): void {
    const detail = entry.detail === undefined ? null : JSON.stringify(entry.detail)
    this.#history.push(
      inline(HISTORY_ROW, [
        this.#sagaId,
        at,
        entry.kind,
        entry.stepId ?? null,
        entry.direction ?? null,
        entry.attempt ?? null,
        detail,
      ]),
    )
  }

  /**
   * Queues a step row (the latest of a step direction wins) and its history entry, which names
   * `attempt` (a reply's own attempt, which may be an earlier one than the row's), by default
   * the row's.
   */
  step(stepRow: StepRecord, at: number, kind: string, attempt: number = stepRow.attempt): void {
    const row = stepParams(this.#sagaId, stepRow)
    const error = row[10] // the step's error is also its history entry's detail
    this.#steps.set(stepKey(stepRow.stepId, stepRow.direction), inline(STEP_ROW, row))
    this.#history.push(
      inline(HISTORY_ROW, [
        this.#sagaId,
        at,
        kind,
        stepRow.stepId,
        stepRow.direction,
        attempt,
        error,
      ]),
    )
  }

  /**
   * Writes the queued rows and the instance as the transaction's last write: plain statements
   * with literals in one simple-protocol query (multi-row VALUES take their ids in list order),
   * sent with COMMIT when the transaction allows it (see {@link ClientTx.writeLast}).
   */
  async write(tx: SagaTx, instance: InstanceRecord, now: number): Promise<void> {
    const statements = [
      ...(this.#history.length === 0
        ? []
        : [
            `INSERT INTO saga.history (saga_id, at, kind, step_id, direction, attempt, detail) VALUES ${this.#history.join(', ')}`,
          ]),
      ...(this.#steps.size === 0
        ? []
        : [
            `INSERT INTO saga.step (saga_id, ${STEP_COLUMNS}) VALUES ${[...this.#steps.values()].join(', ')}
     ${STEP_CONFLICT}`,
          ]),
      inline(SAVE_INSTANCE, instanceParams(instance, now)),
    ]
    this.#history.length = 0
    this.#steps.clear()
    const text = statements.join(';\n')
    if (tx instanceof ClientTx) await tx.writeLast(text)
    else await tx.client.query(text)
  }
}
