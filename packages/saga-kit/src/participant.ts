import type { Pool } from 'pg'
import { SpanKind, type Tracer } from '@opentelemetry/api'
import { buildSagaMessage, decodeCommand, participantChannel } from './core/messages.js'
import type { Direction, SagaTx } from './core/types.js'
import { SagaKitError } from './errors.js'
import { asSchemaError, requireSagaSchema } from './engine/schema.js'
import { runInTx } from './engine/client-tx.js'
import { type Clock, type Logger, silentLogger, systemClock } from '@faultline/common'
import { type Delivery, type SagaTransport, type Subscription, type SagaMessage } from './ports.js'
import { contextFromHeaders, defaultTracer, traceHeaders } from './telemetry.js'
import type { ParticipantHandler } from './participant-locks.js'
import { faultHookOf } from './fault-hook.js'
import { DatabaseHealth, type DatabaseStatus } from './health/database-health.js'
import { databaseEndpoint, isUnreachable } from './health/unreachable.js'
import { BackgroundLoop } from './orchestrator/background-loop.js'
import { CommandRunner } from './participant/command-runner.js'
import { checkMs, checkOptions, checkPort, invalidOption } from './validate.js'

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
  /**
   * How often a listening participant checks that its database answers (`SELECT 1`), so an
   * outage shows in the log and in `metrics().database` even while no command arrives.
   * @default 5000
   */
  readonly healthCheckIntervalMs?: number
}

/** What `participant.metrics()` returns. */
export interface ParticipantMetricsSnapshot {
  /** Whether the participant's database answers, and where it is. */
  readonly database: DatabaseStatus
}

/** Default of {@link ParticipantOptions.healthCheckIntervalMs}. */
const HEALTH_CHECK_INTERVAL_MS = 5_000

/** A running participant. */
export interface Participant {
  /**
   * Handles one delivered command (the transport calls it; tests may too). With a `delivery` on
   * this participant's database, the command is handled in the delivery's transaction.
   */
  handle(message: SagaMessage, delivery?: Delivery): Promise<void>
  /** Subscribes to the participant's channel and starts checking its database. */
  listen(): Promise<void>
  /** Whether the participant's database answers (see {@link ParticipantMetricsSnapshot}). */
  metrics(): ParticipantMetricsSnapshot
  /** Stops the subscription and the database check; leaves the pool and transport open. */
  close(): Promise<void>
}

/**
 * Runs a participant: each command is handled in one transaction with its inbox entry and its
 * reply. A duplicate gets the stored reply again; a compensation that arrives before (or
 * without) its command leaves a tombstone, so the late command is refused and never applied.
 */
export function createParticipant(options: ParticipantOptions): Participant {
  checkParticipantOptions(options)
  return new ParticipantRuntime(options)
}

/** A participant's dependencies, its command runner and, once listening, its subscription. */
class ParticipantRuntime implements Participant {
  readonly #db: Pool
  readonly #transport: SagaTransport
  readonly #definition: ParticipantDefinition
  readonly #clock: Clock
  readonly #logger: Logger
  readonly #tracer: Tracer
  readonly #runner: CommandRunner
  readonly #health: DatabaseHealth
  readonly #healthCheckIntervalMs: number
  #subscription: Subscription | undefined
  #healthCheck: BackgroundLoop | undefined

  constructor(options: ParticipantOptions) {
    this.#db = options.db
    this.#transport = options.transport
    this.#definition = options.definition
    this.#clock = options.clock ?? systemClock
    this.#logger = options.logger ?? silentLogger
    this.#tracer = options.tracer ?? defaultTracer()
    this.#runner = new CommandRunner(this.#definition, this.#clock, faultHookOf(options))
    const component = `participant "${this.#definition.name}"`
    const endpoint = databaseEndpoint(this.#db)
    this.#health = new DatabaseHealth(component, endpoint, this.#logger, this.#clock)
    this.#healthCheckIntervalMs = options.healthCheckIntervalMs ?? HEALTH_CHECK_INTERVAL_MS
  }

  async handle(message: SagaMessage, delivery?: Delivery): Promise<void> {
    try {
      await this.#handle(message, delivery)
    } catch (error) {
      throw asSchemaError(error, `participant "${this.#definition.name}"`)
    }
  }

  async listen(): Promise<void> {
    await requireSagaSchema(this.#db, `participant "${this.#definition.name}" listen()`)
    this.#health.succeeded()
    this.#subscription = await this.#transport.subscribe(
      participantChannel(this.#definition.name),
      (message, delivery) => this.#handle(message, delivery),
    )
    this.#healthCheck = new BackgroundLoop(
      () => this.#health.track(() => this.#db.query('SELECT 1')),
      this.#healthCheckIntervalMs,
      (error) => {
        // An unreachable database was logged by the health tracker, once.
        if (isUnreachable(error)) return
        this.#logger.error(
          { participant: this.#definition.name, error: String(error) },
          'saga-kit: participant database check failed',
        )
      },
    )
    this.#healthCheck.start()
  }

  metrics(): ParticipantMetricsSnapshot {
    return { database: this.#health.status() }
  }

  async close(): Promise<void> {
    await this.#healthCheck?.stop()
    this.#healthCheck = undefined
    await this.#subscription?.close()
  }

  async #handle(message: SagaMessage, delivery?: Delivery): Promise<void> {
    // The transport's inbox transaction, when it is on this participant's database: one commit
    // for the inbox entry, the effect and the reply instead of a transaction of our own.
    const shared = delivery?.db === this.#db ? delivery.tx : undefined
    const cmd = decodeCommand(message)
    if (typeof cmd === 'string') {
      this.#logger.warn(
        {
          participant: this.#definition.name,
          messageId: message.id,
        },
        `saga-kit: malformed command dead-lettered: ${cmd}`,
      )
      await (shared?.client ?? this.#db).query(
        'INSERT INTO saga.dead_letter (at, source, reason, message) VALUES ($1,$2,$3,$4)',
        [this.#clock.now(), this.#definition.name, cmd, JSON.stringify(message)],
      )
      return
    }
    const span = this.#tracer.startSpan(
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
      const reply = await this.#runner.execute(tx, cmd, message)
      if (reply === null) return
      await this.#transport.send(
        tx,
        cmd.replyTo,
        buildSagaMessage(`${message.type}.reply`, reply, traceHeaders(span)),
      )
    }
    try {
      // Our own transaction defers writes: the handler only ever sees a non-deferring view.
      if (shared !== undefined) await run(shared)
      else await this.#health.track(() => runInTx(this.#db, run, undefined, true))
    } finally {
      span.end()
    }
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
  checkMs(WHERE, 'healthCheckIntervalMs', options.healthCheckIntervalMs, HEALTH_CHECK_INTERVAL_MS)
}
