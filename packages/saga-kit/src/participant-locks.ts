import type { CommandBody } from './core/messages.js'
import type { SagaTx } from './core/types.js'
import type { SagaKitError } from './errors.js'
import type { FaultHook } from './fault-hook.js'
import type { SagaMessage } from './ports.js'
import { entityLocked, entityLockHolder, stashCommand } from './engine/entity-locks.js'
import type { CommandContext, CommandHandler } from './participant.js'

/** What a participant does with a command whose entity another saga has locked. */
export type CommandLockPolicy = 'fail' | 'stash'

/** The entity a command acts on, or null/undefined when this command touches none. */
export type EntityOf = (
  payload: unknown,
  command: Omit<CommandContext, 'tx' | 'payload'>,
) => string | null | undefined

/**
 * A handler that declares the entity it acts on, checked against the sagas' semantic locks
 * (`saga.lock`, so the participant must share the saga database) before it runs.
 */
export interface EntityCommandHandler {
  readonly handle: CommandHandler
  /** E.g. `(payload) => 'order:' + (payload as { orderId: string }).orderId`: the key sagas lock with. */
  readonly lock: EntityOf
  /**
   * When a saga other than the command's own holds the entity: `fail` replies with a failure
   * coded `E_SAGA_ENTITY_LOCKED` (final, so the calling saga compensates); `stash` keeps the
   * command in `saga.stash` without a reply and sends it again when the lock is released.
   * @default 'fail'
   */
  readonly onLocked?: CommandLockPolicy
}

/** A participant's handler: a plain function, or one that declares its entity. */
export type ParticipantHandler = CommandHandler | EntityCommandHandler

/** What the lock check decided, as a test hook sees it. */
export interface EntityLockCheck {
  readonly lockKey: string
  readonly holder: string | null
  readonly verdict: 'pass' | 'refuse' | 'stash'
}

/** The function that handles the command. */
export const handlerOf = (handler: ParticipantHandler): CommandHandler =>
  typeof handler === 'function' ? handler : handler.handle

/**
 * Checks the entity a command acts on, inside the handler's transaction. Returns null (go on),
 * `'stashed'` (kept for later, send no reply), or the refusal to reply with.
 */
export async function checkEntityLock(
  tx: SagaTx,
  handler: ParticipantHandler,
  participant: string,
  cmd: CommandBody,
  message: SagaMessage,
  at: number,
  fault: FaultHook,
): Promise<null | 'stashed' | SagaKitError> {
  if (typeof handler === 'function') return null
  const { payload, replyTo: _r, ...address } = cmd
  const lockKey = handler.lock(payload, { ...address, headers: message.headers })
  if (lockKey === null || lockKey === undefined) return null
  const holder = await entityLockHolder(tx, lockKey)
  const free = holder === null || holder === cmd.sagaId
  const verdict = free ? 'pass' : handler.onLocked === 'stash' ? 'stash' : 'refuse'
  await fault('participant:entity-lock', {
    sagaId: cmd.sagaId,
    stepId: cmd.stepId,
    idempotencyKey: cmd.idempotencyKey,
    entityLock: { lockKey, holder, verdict },
  })
  if (free) return null
  if (verdict === 'refuse') return entityLocked(lockKey, holder, cmd.sagaId)
  await stashCommand(tx.client, { lockKey, participant, holder, cmd, message, at })
  return 'stashed'
}
