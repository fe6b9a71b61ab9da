import { randomUUID } from 'node:crypto'
import type { Pool } from 'pg'
import type { SagaTx } from './core/types.js'
import { requireSagaSchema } from './engine/schema.js'
import { runInTx } from './engine/client-tx.js'
import { checkOptions, checkPort, checkText, invalidOption } from './validate.js'
import { type Clock, type Logger, silentLogger, systemClock } from '@faultline/common'
import { type SagaTransport, type Subscription, type SagaMessage } from './ports.js'

/** A domain event emitted for choreography. */
export interface DomainEvent {
  readonly type: string
  /** Ordering key, e.g. the order id. */
  readonly key: string
  readonly payload: unknown
  readonly headers?: Readonly<Record<string, string>>
}

/** Emits an event inside the caller's transaction: it is published if and only if `tx` commits. */
export async function emitEvent(
  tx: SagaTx,
  transport: SagaTransport,
  channel: string,
  event: DomainEvent,
): Promise<string> {
  const id = randomUUID()
  await transport.send(tx, channel, {
    id,
    key: event.key,
    type: event.type,
    body: event.payload,
    headers: { ...event.headers },
  })
  return id
}

/** What a reaction receives; emit follow-up events through `tx` so they commit with it. */
export interface ReactionContext {
  readonly tx: SagaTx
  readonly event: SagaMessage
}

/** Options of {@link createReactor}. */
export interface ReactorOptions {
  /** The reacting service's database (holds `saga.inbox`). */
  readonly db: Pool
  readonly transport: SagaTransport
  /** The service's name; it scopes the inbox. */
  readonly name: string
  /** The channel to listen on, e.g. `events.order`. */
  readonly channel: string
  /** Reactions by event type; other types are skipped. */
  readonly on: Readonly<Record<string, (ctx: ReactionContext) => Promise<void>>>
  readonly clock?: Clock
  readonly logger?: Logger
}

/** A running reactor. */
export interface Reactor {
  handle(event: SagaMessage): Promise<void>
  listen(): Promise<void>
  close(): Promise<void>
}

/**
 * Choreography without a central orchestrator: reacts to events exactly once in effect, by
 * recording each event id in the inbox in the same transaction as the reaction's writes.
 */
export function createReactor(options: ReactorOptions): Reactor {
  checkReactorOptions(options)
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? silentLogger
  let subscription: Subscription | undefined
  async function handle(event: SagaMessage): Promise<void> {
    const reaction = options.on[event.type]
    if (reaction === undefined) return
    if (typeof event.id !== 'string' || event.id.length === 0) {
      logger.warn({ reactor: options.name, type: event.type }, 'saga-kit: event without id skipped')
      return
    }
    await runInTx(options.db, async (tx) => {
      const fresh = await tx.client.query(
        `INSERT INTO saga.inbox (participant, idempotency_key, direction, outcome, at)
         VALUES ($1,$2,'invoke','ok',$3) ON CONFLICT DO NOTHING`,
        [options.name, event.id, clock.now()],
      )
      if (fresh.rowCount === 1) await reaction({ tx, event })
    })
  }
  return {
    handle,
    async listen() {
      await requireSagaSchema(options.db, `reactor "${options.name}" listen()`)
      subscription = await options.transport.subscribe(options.channel, handle)
    },
    async close() {
      await subscription?.close()
    },
  }
}

const WHERE = 'createReactor()'

/** Throws `E_SAGA_INVALID_OPTION` naming the first option of `options` that is wrong. */
function checkReactorOptions(options: ReactorOptions): void {
  checkOptions(WHERE, options)
  checkPort(WHERE, 'db', options.db, 'a pg Pool', ['query', 'connect'])
  checkPort(WHERE, 'transport', options.transport, 'a SagaTransport', ['send', 'subscribe'])
  checkText(WHERE, 'name', options.name)
  checkText(WHERE, 'channel', options.channel)
  const reactions: unknown = options.on
  if (
    typeof reactions !== 'object' ||
    reactions === null ||
    Object.values(reactions).some((reaction) => typeof reaction !== 'function')
  ) {
    throw invalidOption(WHERE, 'on', reactions, 'an object of reactions by event type (functions)')
  }
  if (options.clock !== undefined) checkPort(WHERE, 'clock', options.clock, 'a Clock', ['now'])
  if (options.logger !== undefined) {
    checkPort(WHERE, 'logger', options.logger, 'a Logger', ['debug', 'info', 'warn', 'error'])
  }
}
