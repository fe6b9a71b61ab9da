import type { Pool, QueryResult } from 'pg'
import { SpanKind, type Tracer } from '@opentelemetry/api'
import {
  type CommandBody,
  decodeCommand,
  participantChannel,
  type ReplyBody,
  buildSagaMessage,
} from './core/messages.js'
import type { Direction, SagaTx } from './core/types.js'
import { type ErrorRecord, SagaKitError, toErrorRecord } from './errors.js'
import { deadLetter } from './engine/saga-rows.js'
import { asSchemaError, requireSagaSchema } from './engine/schema.js'
import { ClientTx, inline, runInTx } from './engine/client-tx.js'
import { type Clock, type Logger, silentLogger, systemClock } from '@faultline/common'
import { type Delivery, type SagaTransport, type Subscription, type SagaMessage } from './ports.js'
import { contextFromHeaders, defaultTracer, traceHeaders } from './telemetry.js'
import { checkEntityLock, handlerOf } from './participant-locks.js'
import type { ParticipantHandler } from './participant-locks.js'
import { faultHookOf, SimulatedCrash } from './fault-hook.js'
import { checkOptions, checkPort, invalidOption } from './validate.js'

/** What a participant's handler receives. */
export interface CommandContext {
  /** The handler's writes go through `tx.client`; they commit with the inbox entry and the reply. */
  readonly tx: SagaTx
  readonly payload: unknown
  /** `sagaId:stepId`: the same for every attempt and for the compensation. */
  readonly idempotencyKey: string
  readonly sagaId: string
  readonly stepId: string
  readonly direction: Direction
  readonly attempt: number
  readonly headers: Readonly<Record<string, string>>
}

/** Handles one command type; returns the reply's result, or throws (see `rejectStep`). */
export type CommandHandler = (ctx: CommandContext) => Promise<unknown>

/** A participant service's command handlers. */
export interface ParticipantDefinition {
  readonly name: string
  readonly handlers: Readonly<Record<string, ParticipantHandler>>
}

/**
 * Declares a participant: `defineParticipant('inventory', { 'inventory.reserve': fn, ... })`.
 * A handler on an entity sagas lock is `{ handle, lock, onLocked }` (`EntityCommandHandler`).
 */
export function defineParticipant(
  name: string,
  handlers: Record<string, ParticipantHandler>,
): ParticipantDefinition {
  if (!/^[a-z][a-z0-9._-]*$/i.test(name)) {
    throw new SagaKitError(
      'E_SAGA_INVALID_DEFINITION',
      `Participant name ${JSON.stringify(name)} must start with a letter and use only letters, digits, ".", "_" or "-".`,
    )
  }
  return { name, handlers }
}

/** Options of {@link createParticipant}. */
export interface ParticipantOptions {
  /** The participant's own database; it holds `saga.inbox` (run `migrateSagaKit(db)` on it). */
  readonly db: Pool
  readonly transport: SagaTransport
  readonly definition: ParticipantDefinition
  /** @default the wall clock */
  readonly clock?: Clock
  /** @default a silent logger */
  readonly logger?: Logger
  readonly tracer?: Tracer
}

/** A running participant. */
export interface Participant {
  /** Handles one delivered command (the transport calls it; tests may too). */
  handle(message: SagaMessage): Promise<void>
  listen(): Promise<void>
  close(): Promise<void>
}

type InboxRow = { outcome: string; reply: ReplyBody | null }

/**
 * Takes the key's lock, then reads the inbox rows of both directions of the key, and sets the
 * handler's savepoint, in one round trip. Lock and read stay two statements: under READ
 * COMMITTED the read, taken once the lock is granted, sees what the previous holder committed.
 */
async function lockAndRead(
  tx: SagaTx,
  name: string,
  key: string,
): Promise<Partial<Record<Direction, InboxRow>>> {
  const results = (await tx.client.query(
    inline(
      `SELECT pg_advisory_xact_lock(hashtext($1));
       SELECT direction, outcome, reply FROM saga.inbox WHERE participant=$2 AND idempotency_key=$3;
       SAVEPOINT participant`,
      [`${name}:${key}`, name, key],
    ),
  )) as unknown as QueryResult<InboxRow & { direction: Direction }>[]
  return Object.fromEntries((results[1]?.rows ?? []).map((r) => [r.direction, r]))
}

/** Writes an inbox entry; it travels with the reply when the transaction defers writes. */
async function record(
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

const replyOf = (
  cmd: CommandBody,
  outcome: 'ok' | 'failed',
  extra: { result?: unknown; error?: ErrorRecord },
): ReplyBody => {
  const { replyTo: _r, payload: _p, ...address } = cmd
  return { ...address, outcome, ...extra }
}

/**
 * Runs a participant: each command is handled in one transaction with its inbox entry and its
 * reply. A duplicate gets the stored reply again; a compensation that arrives before (or
 * without) its command leaves a tombstone, so the late command is refused and never applied.
 */
export function createParticipant(options: ParticipantOptions): Participant {
  checkParticipantOptions(options)
  const { db, transport, definition } = options
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? silentLogger
  const tracer = options.tracer ?? defaultTracer()
  const fault = faultHookOf(options)
  let subscription: Subscription | undefined

  async function execute(
    tx: SagaTx,
    cmd: CommandBody,
    message: SagaMessage,
  ): Promise<ReplyBody | null> {
    const { name } = definition
    const key = cmd.idempotencyKey
    const rows = await lockAndRead(tx, name, key)
    const stored = rows[cmd.direction]
    // The stored answer, for the attempt asking now: the orchestrator takes a failure only from
    // the attempt it waits for, so a refusal replayed under the first attempt's number would be
    // ignored and the step would time out on every retry instead of failing with its reason.
    if (stored?.reply) return { ...stored.reply, attempt: cmd.attempt }
    const now = clock.now()
    if (cmd.direction === 'invoke' && rows.compensate !== undefined) {
      const reply = replyOf(cmd, 'failed', {
        error: {
          message: 'Cancelled: its compensation arrived first.',
          code: 'E_SAGA_STEP_REJECTED',
          retryable: false,
        },
      })
      await record(tx, name, key, 'invoke', 'cancelled', reply, now)
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
          await record(
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
        await record(tx, name, key, 'compensate', 'ok', reply, now)
        return reply
      }
    }
    const handler = definition.handlers[message.type]
    if (handler === undefined) {
      const error = {
        message: `Participant "${name}" has no handler for "${message.type}".`,
        code: 'E_SAGA_UNKNOWN_STEP',
        retryable: false,
      }
      await deadLetter(tx.client, now, name, error.message, message)
      return replyOf(cmd, 'failed', { error })
    }
    const locked = await checkEntityLock(tx, handler, name, cmd, message, now, fault)
    if (locked === 'stashed') return null // no reply until the lock is released and it is replayed
    // A refusal is final for this attempt but not remembered: a retry (an operator's) checks again.
    if (locked !== null) return replyOf(cmd, 'failed', { error: toErrorRecord(locked) })
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
      await fault('participant:after-effect', {
        sagaId: cmd.sagaId,
        stepId: cmd.stepId,
        idempotencyKey: key,
      })
      const reply = replyOf(cmd, 'ok', { result })
      await record(tx, name, key, cmd.direction, 'ok', reply, clock.now())
      return reply
    } catch (error) {
      if (error instanceof SimulatedCrash) throw error
      await tx.client.query('ROLLBACK TO SAVEPOINT participant')
      const rec = toErrorRecord(error)
      const reply = replyOf(cmd, 'failed', { error: rec })
      // A definitive "no" is remembered so every retry of the key gets the same answer.
      if (!rec.retryable) await record(tx, name, key, cmd.direction, 'failed', reply, clock.now())
      return reply
    }
  }

  async function handle(message: SagaMessage, delivery?: Delivery): Promise<void> {
    // The transport's inbox transaction, when it is on this participant's database: one commit
    // for the inbox entry, the effect and the reply instead of a transaction of our own.
    const shared = delivery?.db === db ? delivery.tx : undefined
    const cmd = decodeCommand(message)
    if (typeof cmd === 'string') {
      logger.warn(
        {
          participant: definition.name,
          messageId: message.id,
        },
        `saga-kit: malformed command dead-lettered: ${cmd}`,
      )
      await (shared?.client ?? db).query(
        'INSERT INTO saga.dead_letter (at, source, reason, message) VALUES ($1,$2,$3,$4)',
        [clock.now(), definition.name, cmd, JSON.stringify(message)],
      )
      return
    }
    const span = tracer.startSpan(
      `saga.handle ${message.type}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'saga.id': cmd.sagaId,
          'saga.step': cmd.stepId,
          'saga.direction': cmd.direction,
        },
      },
      contextFromHeaders(message.headers),
    )
    const run = async (tx: SagaTx): Promise<void> => {
      const reply = await execute(tx, cmd, message)
      if (reply === null) return
      await transport.send(
        tx,
        cmd.replyTo,
        buildSagaMessage(`${message.type}.reply`, reply, traceHeaders(span)),
      )
    }
    try {
      // Our own transaction defers writes: the handler only ever sees a non-deferring view.
      await (shared === undefined ? runInTx(db, run, undefined, true) : run(shared))
    } finally {
      span.end()
    }
  }

  return {
    handle: async (message) => {
      try {
        await handle(message)
      } catch (error) {
        throw asSchemaError(error, `participant "${definition.name}"`)
      }
    },
    async listen() {
      await requireSagaSchema(db, `participant "${definition.name}" listen()`)
      subscription = await transport.subscribe(participantChannel(definition.name), handle)
    },
    async close() {
      await subscription?.close()
    },
  }
}

const WHERE = 'createParticipant()'

/** Throws `E_SAGA_INVALID_OPTION` naming the first option of `options` that is wrong. */
function checkParticipantOptions(options: ParticipantOptions): void {
  checkOptions(WHERE, options)
  checkPort(WHERE, 'db', options.db, 'a pg Pool', ['query', 'connect'])
  checkPort(WHERE, 'transport', options.transport, 'a SagaTransport', ['send', 'subscribe'])
  const definition = options.definition as Partial<ParticipantDefinition> | undefined
  if (
    typeof definition !== 'object' ||
    definition === null ||
    typeof definition.name !== 'string' ||
    typeof definition.handlers !== 'object' ||
    definition.handlers === null
  ) {
    throw invalidOption(WHERE, 'definition', definition, 'a defineParticipant() definition')
  }
  if (options.clock !== undefined) checkPort(WHERE, 'clock', options.clock, 'a Clock', ['now'])
  if (options.logger !== undefined) {
    checkPort(WHERE, 'logger', options.logger, 'a Logger', ['debug', 'info', 'warn', 'error'])
  }
  if (options.tracer !== undefined) {
    checkPort(WHERE, 'tracer', options.tracer, 'an OpenTelemetry Tracer', ['startSpan'])
  }
}
