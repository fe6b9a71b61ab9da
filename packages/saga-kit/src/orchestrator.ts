import { randomUUID } from 'node:crypto'
import { silentLogger, systemClock } from '@faultline/common'
import type { SagaDefinition } from './core/define-saga.js'
import type { InstanceRecord } from './core/records.js'
import type { SagaTx } from './core/types.js'
import { SagaKitError } from './errors.js'
import { SagaMetrics, type SagaMetricsSnapshot } from './events.js'
import { faultHookOf } from './fault-hook.js'
import { DatabaseHealth } from './health/database-health.js'
import { databaseEndpoint } from './health/unreachable.js'
import {
  type OrchestratorOptions,
  type ResolvedOrchestratorOptions,
  resolveOrchestratorOptions,
} from './options.js'
import type { ClientTx } from './engine/client-tx.js'
import { checkCompatibility } from './engine/compatibility.js'
import type { EngineDeps } from './engine/engine-deps.js'
import { operate, type OperatorAction } from './engine/operator.js'
import { renewLeases } from './engine/poller.js'
import {
  getSaga,
  type HistoryRecord,
  listSagas,
  type ListOptions,
  sagaHistory,
  type SagaView,
} from './engine/queries.js'
import { handleReply } from './engine/replies.js'
import { sagaPasses } from './engine/saga-passes.js'
import { asSchemaError, requireSagaSchema } from './engine/schema.js'
import { type StartResult, startInTx, startPass } from './engine/start.js'
import { withTxChain } from './engine/tx-chain.js'
import { BackgroundLoop } from './orchestrator/background-loop.js'
import { DuePoller } from './orchestrator/due-poller.js'
import { sagaRegistry } from './orchestrator/registry.js'
import type { Subscription } from './ports.js'
import { defaultTracer } from './telemetry.js'
import { registerOrchestratorProbe } from './testing/probes.js'
import { MAX_TIMER_MS } from './validate.js'

/** Options of one `start()` call. */
export interface SagaStartOptions {
  /** The saga's id; starting the same id again returns the existing saga. */
  readonly sagaId: string
  /**
   * Join the caller's transaction (e.g. the one inserting the order): the saga row and its first
   * commands commit with it. Work after the first local step is left to the poller.
   */
  readonly tx?: SagaTx
}

/** A durable saga orchestrator over Postgres. */
export interface Orchestrator {
  start<Data>(sagaName: string, data: Data, options: SagaStartOptions): Promise<StartResult>
  get(sagaId: string): Promise<SagaView | undefined>
  list(options?: ListOptions): Promise<InstanceRecord[]>
  history(sagaId: string): Promise<HistoryRecord[]>
  /** Operator action on a FAILED saga: retry the step that failed with a fresh budget. */
  resume(sagaId: string): Promise<void>
  /** Operator action on a FAILED saga: retry this (failed) step with a fresh budget. */
  retryStep(sagaId: string, stepId: string): Promise<void>
  /** Operator action on a FAILED saga: treat this failed step as done by hand and carry on. */
  skipStep(sagaId: string, stepId: string): Promise<void>
  /** Advances one saga until it waits (used after `start({ tx })` commits, or by tests). */
  advance(sagaId: string): Promise<void>
  /** Advances due sagas (timers, retries, expired leases) once; returns how many it touched. */
  runDue(limit?: number): Promise<number>
  /** Refuses definitions that drop steps unfinished sagas still need. */
  checkDefinitions(): Promise<void>
  /** Checks definitions, subscribes to replies, starts the poller and lease heartbeat. */
  listen(): Promise<void>
  /** Counters, step latencies, and whether the saga database answers (`database`). */
  metrics(): SagaMetricsSnapshot
  /**
   * Stops listening and waits for the work in progress; leaves the pool and transport open (the
   * caller owns them, and may end them once this resolves).
   */
  close(): Promise<void>
}

/** Runs `call`; a Postgres "no such table" from a missing saga schema becomes E_SAGA_SCHEMA_MISSING. */
async function schemaChecked<Result>(where: string, call: () => Promise<Result>): Promise<Result> {
  try {
    return await call()
  } catch (error) {
    throw asSchemaError(error, where)
  }
}

/**
 * Refuses a `start()` without a usable `{ sagaId }` (JavaScript callers can omit it). The id is
 * not generated: it is what makes a repeated start (a retried request) a no-op.
 */
function checkStartOptions(sagaName: string, options: SagaStartOptions | undefined): void {
  const sagaId: unknown =
    typeof options === 'object' && options !== null ? options.sagaId : undefined
  if (typeof sagaId === 'string' && sagaId.length > 0 && sagaId.length <= 200) return
  throw new SagaKitError(
    'E_SAGA_INVALID_OPTION',
    `start("${sagaName}", data, { sagaId }) needs a sagaId: a non-empty string of at most 200 characters that names this saga, so that starting it again is a no-op.`,
    { context: { sagaName } },
  )
}

/** Creates an orchestrator; call `migrateSagaKit(db)` once before, and `listen()` to process work. */
export function createOrchestrator(options: OrchestratorOptions): Orchestrator {
  return new SagaOrchestrator(options)
}

/**
 * The orchestrator: the engine's dependencies, resolved once; the poller of due sagas; and,
 * once listening, the reply subscription and the background loops (poll loops and the lease
 * heartbeat), each holding at most one timer.
 */
class SagaOrchestrator implements Orchestrator {
  readonly #settings: ResolvedOrchestratorOptions
  readonly #sagas: ReadonlyMap<string, SagaDefinition<unknown>>
  readonly #metrics = new SagaMetrics()
  readonly #deps: EngineDeps
  readonly #poller: DuePoller
  readonly #health: DatabaseHealth
  readonly #loops: BackgroundLoop[] = []
  /** Advances started by `wake` (after a commit), which close() waits for. */
  readonly #woken = new Set<Promise<void>>()
  #subscription: Subscription | undefined
  #closed = false

  constructor(options: OrchestratorOptions) {
    this.#settings = resolveOrchestratorOptions(options)
    this.#sagas = sagaRegistry(options.sagas)
    const logger = options.logger ?? silentLogger
    const clock = options.clock ?? systemClock
    const health = new DatabaseHealth('orchestrator', databaseEndpoint(options.db), logger, clock)
    this.#health = health
    this.#deps = {
      db: options.db,
      sagas: this.#sagas,
      transport: options.transport,
      clock,
      logger,
      tracer: options.tracer ?? defaultTracer(),
      ownerId: this.#settings.ownerId ?? randomUUID(),
      leaseMs: this.#settings.leaseMs,
      startCommitWaitMs: this.#settings.startCommitWaitMs,
      replyChannel: this.#settings.replyChannel,
      random: options.random ?? Math.random,
      emit: (event) => {
        this.#metrics.record(event)
        options.onEvent?.(event)
      },
      fault: faultHookOf(options),
      wake: (sagaId) => {
        const advance = this.#advance(sagaId)
          .catch((error: unknown) => {
            if (!health.failed(error))
              logger.error({ sagaId, error: String(error) }, 'saga-kit: advance failed')
          })
          .finally(() => this.#woken.delete(advance))
        this.#woken.add(advance)
      },
    }
    this.#poller = new DuePoller(this.#deps, this.#running, health)
    registerOrchestratorProbe(this, () => ({
      pendingTimers: this.#loops.reduce((sum, loop) => sum + loop.pendingTimers, 0),
    }))
  }

  start<Data>(sagaName: string, data: Data, options: SagaStartOptions): Promise<StartResult> {
    return schemaChecked('start()', () => this.#start(sagaName, data, options))
  }

  get(sagaId: string): Promise<SagaView | undefined> {
    return schemaChecked('get()', () => getSaga(this.#deps.db, sagaId))
  }

  list(options?: ListOptions): Promise<InstanceRecord[]> {
    return schemaChecked('list()', () => listSagas(this.#deps.db, options))
  }

  history(sagaId: string): Promise<HistoryRecord[]> {
    return schemaChecked('history()', () => sagaHistory(this.#deps.db, sagaId))
  }

  resume(sagaId: string): Promise<void> {
    return schemaChecked('resume()', () => this.#operate(sagaId, 'retry'))
  }

  retryStep(sagaId: string, stepId: string): Promise<void> {
    return schemaChecked('retryStep()', () => this.#operate(sagaId, 'retry', stepId))
  }

  skipStep(sagaId: string, stepId: string): Promise<void> {
    return schemaChecked('skipStep()', () => this.#operate(sagaId, 'skip', stepId))
  }

  advance(sagaId: string): Promise<void> {
    return schemaChecked('advance()', () => this.#advance(sagaId))
  }

  runDue(limit?: number): Promise<number> {
    return schemaChecked('runDue()', () => this.#poller.runDue(limit))
  }

  async checkDefinitions(): Promise<void> {
    await requireSagaSchema(this.#deps.db, 'checkDefinitions()')
    await checkCompatibility(this.#deps.db, this.#sagas)
  }

  async listen(): Promise<void> {
    await this.checkDefinitions()
    this.#subscription = await this.#deps.transport.subscribe(
      this.#deps.replyChannel,
      async (message, delivery) => {
        const more = await handleReply(this.#deps, message, delivery)
        if (more !== null) await this.#advance(more)
      },
    )
    const { pollIntervalMs, concurrency, leaseMs } = this.#settings
    for (let loop = 0; loop < concurrency; loop++) {
      this.#startLoop(() => this.#poller.poll(pollIntervalMs), pollIntervalMs)
    }
    // The heartbeat renews leases every third of a lease, so one late renewal loses none.
    this.#startLoop(
      async () => {
        await renewLeases(this.#deps)
        this.#health.succeeded()
      },
      Math.min(MAX_TIMER_MS, Math.floor(leaseMs / 3)),
    )
  }

  metrics(): SagaMetricsSnapshot {
    return { ...this.#metrics.snapshot(), database: this.#health.status() }
  }

  async close(): Promise<void> {
    this.#closed = true
    // Nothing waits out an interval: the loops' timers are cleared at once, and what is left is
    // the work already running, which close() waits for so the caller may end the pool next.
    const stopping = this.#loops.splice(0).map((loop) => loop.stop())
    await Promise.all([...stopping, this.#subscription?.close()])
    await Promise.all([...this.#woken])
  }

  readonly #running = (): boolean => !this.#closed

  #startLoop(work: () => Promise<unknown>, everyMs: number): void {
    const loop = new BackgroundLoop(work, everyMs, (error) => {
      // An unreachable database was logged once by the health tracker, not once per run.
      if (this.#health.failed(error)) return
      this.#deps.logger.error({ error: String(error) }, 'saga-kit: background loop failed')
    })
    this.#loops.push(loop)
    loop.start()
  }

  readonly #hookError = (error: unknown): void =>
    this.#deps.logger.error({ error: String(error) }, 'saga-kit: after-commit hook failed')

  /** One transaction per pass, chained on one connection while more is due (see withTxChain). */
  async #advance(sagaId: string): Promise<void> {
    if (this.#closed) return
    const passes = sagaPasses(this.#deps, sagaId, this.#running)
    await withTxChain(this.#deps.db, passes.pass('now'), this.#hookError)
  }

  async #operate(sagaId: string, action: OperatorAction, stepId?: string): Promise<void> {
    if (await operate(this.#deps, sagaId, action, stepId)) await this.#advance(sagaId)
  }

  async #start<Data>(
    sagaName: string,
    data: Data,
    options: SagaStartOptions,
  ): Promise<StartResult> {
    checkStartOptions(sagaName, options)
    const definition = this.#sagas.get(sagaName)
    if (definition === undefined) {
      throw new SagaKitError(
        'E_SAGA_UNKNOWN_SAGA',
        `No saga named "${sagaName}" is registered (known: ${[...this.#sagas.keys()].join(', ')}).`,
        { context: { sagaName, sagaId: options.sagaId } },
      )
    }
    if (options.tx !== undefined) {
      const tx = options.tx as ClientTx
      const { due: _due, ...result } = await startInTx(
        this.#deps,
        tx,
        definition,
        data,
        options.sagaId,
      )
      return result
    }
    // The start and the passes after it form one chain of transactions on one connection.
    const passes = sagaPasses(this.#deps, options.sagaId, this.#running)
    let started: StartResult | undefined
    const first = startPass(this.#deps, definition, data, options.sagaId, (result, due) => {
      started = result
      return passes.after(due)
    })
    await withTxChain(this.#deps.db, first, this.#hookError)
    return started as StartResult
  }
}
