import type { Clock } from '@faultline/common'
import type { CommandBody, ReplyBody } from '../core/messages.js'
import type { SagaTx } from '../core/types.js'
import { toErrorRecord } from '../errors.js'
import { deadLetter } from '../engine/saga-rows.js'
import { type FaultHook, SimulatedCrash } from '../fault-hook.js'
import { checkEntityLock, handlerOf, type ParticipantHandler } from '../participant-locks.js'
import type { ParticipantDefinition } from '../participant.js'
import type { SagaMessage } from '../ports.js'
import { type InboxRows, lockAndRead, recordInbox, replyOf } from './inbox.js'

/**
 * Decides and runs a participant's answer to one command inside its transaction: the stored
 * answer to a duplicate, a tombstone for a compensation that came first, or the handler's
 * outcome, recorded in the inbox with the reply.
 */
export class CommandRunner {
  readonly #definition: ParticipantDefinition
  readonly #clock: Clock
  readonly #fault: FaultHook

  constructor(definition: ParticipantDefinition, clock: Clock, fault: FaultHook) {
    this.#definition = definition
    this.#clock = clock
    this.#fault = fault
  }

  /** The reply to send for `cmd`, or null when the command was stashed (no reply yet). */
  async execute(tx: SagaTx, cmd: CommandBody, message: SagaMessage): Promise<ReplyBody | null> {
    const { name } = this.#definition
    const key = cmd.idempotencyKey
    const rows = await lockAndRead(tx, name, key)
    const stored = rows[cmd.direction]
    // The stored answer, for the attempt asking now: the orchestrator takes a failure only from
    // the attempt it waits for, so a refusal replayed under the first attempt's number would be
    // ignored and the step would time out on every retry instead of failing with its reason.
    if (stored?.reply) return { ...stored.reply, attempt: cmd.attempt }
    const now = this.#clock.now()
    const settled = await this.#settledByTombstone(tx, cmd, rows, now)
    if (settled !== undefined) return settled
    const handler = this.#definition.handlers[message.type]
    if (handler === undefined) {
      const error = {
        message: `Participant "${name}" has no handler for "${message.type}".`,
        code: 'E_SAGA_UNKNOWN_STEP',
        retryable: false,
      }
      await deadLetter(tx.client, now, name, error.message, message)
      return replyOf(cmd, 'failed', { error })
    }
    const locked = await checkEntityLock(tx, handler, name, cmd, message, now, this.#fault)
    if (locked === 'stashed') return null // no reply until the lock is released and it is replayed
    // A refusal is final for this attempt but not remembered: a retry (an operator's) checks again.
    if (locked !== null) return replyOf(cmd, 'failed', { error: toErrorRecord(locked) })
    return this.#runHandler(tx, cmd, message, handler)
  }

  /**
   * The answer the inbox alone gives, without the handler: a command whose compensation came
   * first is cancelled; a compensation of a command never applied (or that failed) is a no-op
   * that leaves a tombstone, so the late command is refused. Undefined: run the handler.
   */
  async #settledByTombstone(
    tx: SagaTx,
    cmd: CommandBody,
    rows: InboxRows,
    now: number,
  ): Promise<ReplyBody | undefined> {
    const { name } = this.#definition
    const key = cmd.idempotencyKey
    if (cmd.direction === 'invoke' && rows.compensate !== undefined) {
      const reply = replyOf(cmd, 'failed', {
        error: {
          message: 'Cancelled: its compensation arrived first.',
          code: 'E_SAGA_STEP_REJECTED',
          retryable: false,
        },
      })
      await recordInbox(tx, name, key, 'invoke', 'cancelled', reply, now)
      return reply
    }
    if (cmd.direction === 'compensate') {
      const forward = rows.invoke
      if (forward === undefined || forward.outcome !== 'ok') {
        const reply = replyOf(cmd, 'ok', {
          result: {
            compensated: false,
            reason: forward === undefined ? 'command never applied' : `command ${forward.outcome}`,
          },
        })
        if (forward === undefined)
          await recordInbox(
            tx,
            name,
            key,
            'invoke',
            'cancelled',
            replyOf({ ...cmd, direction: 'invoke' }, 'failed', {
              error: {
                message: 'Cancelled by compensation.',
                code: 'E_SAGA_STEP_REJECTED',
                retryable: false,
              },
            }),
            now,
          )
        await recordInbox(tx, name, key, 'compensate', 'ok', reply, now)
        return reply
      }
    }
    return undefined
  }

  /** Runs the handler under its savepoint; records its answer, or rolls its effect back. */
  async #runHandler(
    tx: SagaTx,
    cmd: CommandBody,
    message: SagaMessage,
    handler: ParticipantHandler,
  ): Promise<ReplyBody> {
    const { name } = this.#definition
    const key = cmd.idempotencyKey
    try {
      const result =
        (await handlerOf(handler)({
          // Not the deferring tx itself: what the handler sends must roll back with its savepoint.
          tx: { client: tx.client, afterCommit: (fn) => tx.afterCommit(fn) },
          payload: cmd.payload,
          idempotencyKey: key,
          sagaId: cmd.sagaId,
          stepId: cmd.stepId,
          direction: cmd.direction,
          attempt: cmd.attempt,
          headers: message.headers,
        })) ?? null
      await this.#fault('participant:after-effect', {
        sagaId: cmd.sagaId,
        stepId: cmd.stepId,
        idempotencyKey: key,
      })
      const reply = replyOf(cmd, 'ok', { result })
      await recordInbox(tx, name, key, cmd.direction, 'ok', reply, this.#clock.now())
      return reply
    } catch (error) {
      if (error instanceof SimulatedCrash) throw error
      await tx.client.query('ROLLBACK TO SAVEPOINT participant')
      const errorRecord = toErrorRecord(error)
      const reply = replyOf(cmd, 'failed', { error: errorRecord })
      // A definitive "no" is remembered so every retry of the key gets the same answer.
      if (!errorRecord.retryable)
        await recordInbox(tx, name, key, cmd.direction, 'failed', reply, this.#clock.now())
      return reply
    }
  }
}
