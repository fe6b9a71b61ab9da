import type { SagaDefinition } from '../core/define-saga.js'
import { type Decision, decide } from '../core/planner.js'
import type { InstanceRecord, SagaState } from '../core/records.js'
import { SagaKitError } from '../errors.js'
import type { EngineDeps } from './engine-deps.js'
import { type Due, driveOn, isLocalStart } from './drive.js'
import { acquireLock, dropTakenLock } from './saga-locks.js'
import { type HistoryEntry, insertInstance, startStatement, toInstance } from './saga-rows.js'
import { type ClientTx, inline } from './client-tx.js'
import type { ChainedPass } from './tx-chain.js'

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

/** How a new saga starts, from its semantic lock; `taken` when this call wrote the lock row. */
interface LockState {
  readonly state: SagaState
  readonly lockKey: string | null
  readonly taken?: boolean
}

/** Decides RUNNING or STASHED from the semantic lock; throws `E_SAGA_LOCKED` under `fail`. */
async function lockState<Data>(
  tx: ClientTx,
  def: SagaDefinition<Data>,
  data: Data,
  sagaId: string,
  now: number,
): Promise<LockState> {
  const lock = def.options.lock
  if (lock === undefined) return { state: 'RUNNING', lockKey: null }
  const lockKey = lock.key(data)
  const got = await acquireLock(tx, lockKey, sagaId, now)
  if (got.acquired) return { state: 'RUNNING', lockKey, taken: got.taken }
  if (lock.onConflict === 'stash') return { state: 'STASHED', lockKey }
  throw new SagaKitError(
    'E_SAGA_LOCKED',
    `"${lockKey}" is locked by saga "${got.holder}"; saga "${sagaId}" was refused.`,
    { context: { sagaId, sagaName: def.name, lockKey, holder: got.holder } },
  )
}

function newInstance<Data>(
  deps: EngineDeps,
  def: SagaDefinition<Data>,
  data: Data,
  sagaId: string,
  lock: LockState,
  now: number,
): InstanceRecord {
  const { state, lockKey } = lock
  return {
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
}

const startEntry = (instance: InstanceRecord): HistoryEntry => ({
  kind: instance.state === 'STASHED' ? 'stashed' : 'started',
  detail: instance.lockKey === null ? undefined : { lockKey: instance.lockKey },
})

/** The insert found the id taken: the existing saga's state, or E_SAGA_ID_CONFLICT. */
async function notCreated(
  tx: ClientTx,
  def: { name: string },
  sagaId: string,
): Promise<StartResult & { due: Due }> {
  const found = await existing(tx, sagaId, def.name)
  if (found !== null) return { ...found, due: false }
  throw new SagaKitError(
    'E_SAGA_STORE',
    `Saga "${sagaId}" was neither inserted nor found (deleted while starting); start it again.`,
    { context: { sagaId, sagaName: def.name } },
  )
}

/** Runs a just-inserted saga until its first wait, in the inserting transaction. */
async function begin(
  deps: EngineDeps,
  tx: ClientTx,
  instance: InstanceRecord,
  savepointSet: boolean,
): Promise<StartResult & { due: Due }> {
  const { sagaId, sagaName, state } = instance
  if (state === 'STASHED') {
    const lockKey = instance.lockKey ?? ''
    tx.afterCommit(() => deps.emit({ type: 'saga:stashed', sagaId, sagaName, lockKey }))
    return { sagaId, state, created: true, due: false }
  }
  tx.afterCommit(() => deps.emit({ type: 'saga:started', sagaId, sagaName }))
  const due = await driveOn(deps, tx, { instance, steps: new Map() }, { savepointSet })
  return { sagaId, state, created: true, due }
}

/**
 * Starts a saga in `tx`: idempotent on `sagaId`, takes its semantic lock, and runs it until its
 * first wait (its first commands are sent in the same transaction). Returns what is due next.
 */
export async function startInTx<Data>(
  deps: EngineDeps,
  tx: ClientTx,
  def: SagaDefinition<Data>,
  data: Data,
  sagaId: string,
): Promise<StartResult & { due: Due }> {
  checkData(def, data, sagaId)
  // A saga that exists already must not take (or wait for) a semantic lock first.
  if (def.options.lock !== undefined) {
    const found = await existing(tx, sagaId, def.name)
    if (found !== null) return { ...found, due: false }
  }
  const now = deps.clock.now()
  const lock = await lockState(tx, def, data, sagaId, now)
  const instance = newInstance(deps, def, data, sagaId, lock, now)
  if (await insertInstance(tx.client, instance, startEntry(instance)))
    return begin(deps, tx, instance, false)
  // A twin start of this id committed first (the check above cannot see a twin that has not
  // committed yet): the lock this call took for its own key would stay held by a saga that
  // never knew it, for good.
  if (lock.taken === true && lock.lockKey !== null) await dropTakenLock(tx, lock.lockKey, sagaId)
  return notCreated(tx, def, sagaId)
}

/**
 * The first pass of a saga-kit-owned chain of transactions (see `withTxChain`): starts
 * the saga like {@link startInTx} and hands its result and what is due to `then`, which
 * returns the next pass. Without a semantic lock, the insert (with its history entry) and the
 * first local step's savepoint travel with BEGIN.
 */
export function startPass<Data>(
  deps: EngineDeps,
  def: SagaDefinition<Data>,
  data: Data,
  sagaId: string,
  then: (result: StartResult, due: Due) => ChainedPass | null,
): ChainedPass {
  checkData(def, data, sagaId)
  const after = ({ due, ...result }: StartResult & { due: Due }): ChainedPass | null =>
    then(result, due)
  if (def.options.lock !== undefined)
    return { opening: '', run: async (tx) => after(await startInTx(deps, tx, def, data, sagaId)) }
  const now = deps.clock.now()
  const instance = newInstance(deps, def, data, sagaId, { state: 'RUNNING', lockKey: null }, now)
  const insert = startStatement(instance, startEntry(instance))
  const first = decide(def, { instance, steps: new Map() }, now) as Decision<unknown>
  const savepoint = isLocalStart(first)
  return {
    opening: inline(insert.text, insert.params) + (savepoint ? ';\nSAVEPOINT saga_step' : ''),
    run: async (tx, [inserted]) =>
      after(
        inserted?.rowCount === 1
          ? await begin(deps, tx, instance, savepoint)
          : await notCreated(tx, def, sagaId),
      ),
  }
}
