import type { SagaDefinition } from '../core/define-saga.js'
import type { InstanceRecord, SagaState } from '../core/records.js'
import { SagaKitError } from '../errors.js'
import type { EngineDeps } from './deps.js'
import { drive } from './engine.js'
import { acquireLock } from './locks.js'
import { appendHistory, insertInstance, toInstance } from './repo.js'
import type { ClientTx } from './tx.js'

/** What `start()` returns. */
export interface StartResult {
  readonly sagaId: string
  readonly state: SagaState
  /** False when a saga with this id already existed (the call was a no-op). */
  readonly created: boolean
}

function checkData<Data>(def: SagaDefinition<Data>, data: unknown, sagaId: string): void {
  const verdict = def.options.validate?.(data) ?? true
  if (verdict !== true) {
    throw new SagaKitError(
      'E_SAGA_INVALID_DATA',
      `Saga "${def.name}" refused its start data: ${verdict}`,
      { context: { sagaId, sagaName: def.name } },
    )
  }
  try {
    JSON.stringify(data)
  } catch (cause) {
    throw new SagaKitError(
      'E_SAGA_INVALID_DATA',
      `Saga "${def.name}" start data is not JSON-serialisable.`,
      { cause, context: { sagaId, sagaName: def.name } },
    )
  }
}

async function existing(
  tx: ClientTx,
  sagaId: string,
  sagaName: string,
): Promise<StartResult | null> {
  const { rows } = await tx.client.query('SELECT * FROM saga.instance WHERE saga_id = $1', [sagaId])
  if (rows[0] === undefined) return null
  const inst = toInstance(rows[0] as Record<string, unknown>)
  if (inst.sagaName !== sagaName) {
    throw new SagaKitError(
      'E_SAGA_ID_CONFLICT',
      `Saga id "${sagaId}" already belongs to a "${inst.sagaName}" saga, not "${sagaName}".`,
      { context: { sagaId, sagaName } },
    )
  }
  return { sagaId, state: inst.state, created: false }
}

/** Decides RUNNING or STASHED from the semantic lock; throws `E_SAGA_LOCKED` under `fail`. */
async function lockState<Data>(
  tx: ClientTx,
  def: SagaDefinition<Data>,
  data: Data,
  sagaId: string,
  now: number,
): Promise<{ state: SagaState; lockKey: string | null }> {
  const lock = def.options.lock
  if (lock === undefined) return { state: 'RUNNING', lockKey: null }
  const lockKey = lock.key(data)
  const got = await acquireLock(tx, lockKey, sagaId, now)
  if (got.acquired) return { state: 'RUNNING', lockKey }
  if (lock.onConflict === 'stash') return { state: 'STASHED', lockKey }
  throw new SagaKitError(
    'E_SAGA_LOCKED',
    `"${lockKey}" is locked by saga "${got.holder}"; saga "${sagaId}" was refused.`,
    { context: { sagaId, sagaName: def.name, lockKey, holder: got.holder } },
  )
}

/**
 * Starts a saga in `tx`: idempotent on `sagaId`, takes its semantic lock, and runs it until its
 * first wait (its first commands are sent in the same transaction). Returns whether more is due.
 */
export async function startInTx<Data>(
  deps: EngineDeps,
  tx: ClientTx,
  def: SagaDefinition<Data>,
  data: Data,
  sagaId: string,
): Promise<StartResult & { more: boolean }> {
  checkData(def, data, sagaId)
  const found = await existing(tx, sagaId, def.name)
  if (found !== null) return { ...found, more: false }
  const now = deps.clock.now()
  const { state, lockKey } = await lockState(tx, def, data, sagaId, now)
  const instance: InstanceRecord = {
    sagaId,
    sagaName: def.name,
    state,
    data,
    cursor: def.groups[0]?.id ?? null,
    deadlineAt: def.options.timeoutMs === undefined ? null : now + def.options.timeoutMs,
    nextWakeAt: state === 'RUNNING' ? now : null,
    owner: deps.ownerId,
    leaseUntil: now + deps.leaseMs,
    lockKey,
    failedPhase: null,
    failedStep: null,
    error: null,
    version: 0,
    createdAt: now,
    updatedAt: now,
  }
  if (!(await insertInstance(tx.client, instance))) {
    const raced = await existing(tx, sagaId, def.name)
    if (raced !== null) return { ...raced, more: false }
  }
  await appendHistory(tx.client, sagaId, now, {
    kind: state === 'STASHED' ? 'stashed' : 'started',
    detail: lockKey === null ? undefined : { lockKey },
  })
  const base = { sagaId, sagaName: def.name }
  if (state === 'STASHED') {
    tx.afterCommit(() => deps.emit({ type: 'saga:stashed', ...base, lockKey: lockKey ?? '' }))
    return { sagaId, state, created: true, more: false }
  }
  tx.afterCommit(() => deps.emit({ type: 'saga:started', ...base }))
  const more = await drive(deps, tx, { instance, steps: new Map() })
  return { sagaId, state, created: true, more }
}
