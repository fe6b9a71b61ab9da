import { randomUUID } from 'node:crypto'
import { SagaDefinition } from './core/define-saga.js'
import type { InstanceRecord } from './core/records.js'
import type { SagaTx } from './core/types.js'
import { BackgroundLoop } from './background-loop.js'
import { SagaKitError } from './errors.js'
import { SagaMetrics, type SagaMetricsSnapshot } from './events.js'
import { type OrchestratorOptions, resolveOrchestratorOptions } from './options.js'
import { faultHookOf } from './fault-hook.js'
import { invalidOption, MAX_TIMER_MS } from './validate.js'
import { checkCompatibility } from './engine/compatibility.js'
import type { EngineDeps } from './engine/engine-deps.js'
import { sagaPasses } from './engine/saga-passes.js'
import { operate } from './engine/operator.js'
import { claimAndRunOne, renewLeases } from './engine/poller.js'
import {
  getSaga,
  type HistoryRecord,
  listSagas,
  type ListOptions,
  sagaHistory,
  type SagaView,
} from './engine/queries.js'
import { handleReply } from './engine/replies.js'
import { asSchemaError, requireSagaSchema } from './engine/schema.js'
import { type StartResult, startInTx, startPass } from './engine/start.js'
import type { ClientTx } from './engine/client-tx.js'
import { withTxChain } from './engine/tx-chain.js'
import { silentLogger, systemClock } from '@faultline/common'
import { type Subscription } from './ports.js'
import { defaultTracer } from './telemetry.js'
import { registerOrchestratorProbe } from './testing/probes.js'

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
  metrics(): SagaMetricsSnapshot
  /** Stops listening; leaves the pool and transport open (the caller owns them). */
  close(): Promise<void>
}

const WHERE = 'createOrchestrator()'

/** Runs `call`; a Postgres "no such table" from a missing saga schema becomes E_SAGA_SCHEMA_MISSING. */
async function schemaChecked<Result>(where: string, call: () => Promise<Result>): Promise<Result> {
  try {
    return await call()
  } catch (error) {
    throw asSchemaError(error, where)
  }
}

function registry(sagas: OrchestratorOptions['sagas']): Map<string, SagaDefinition<unknown>> {
  const map = new Map<string, SagaDefinition<unknown>>()
  for (const def of sagas) {
    if (!(def instanceof SagaDefinition))
      throw invalidOption(WHERE, 'sagas', def, 'an array of defineSaga() definitions')
    if (map.has(def.name))
      throw new SagaKitError(
        'E_SAGA_INVALID_OPTION',
        `${WHERE}: two sagas are named "${def.name}"; give each saga a name of its own.`,
        { context: { option: 'sagas', sagaName: def.name } },
      )
    if (def.groups.length === 0)
      throw new SagaKitError(
        'E_SAGA_INVALID_OPTION',
        `${WHERE}: saga "${def.name}" has no steps; add one with .step().`,
        { context: { option: 'sagas', sagaName: def.name } },
      )
    map.set(def.name, def as SagaDefinition<unknown>)
  }
  return map
}

/**
 * Refuses a `start()` without a usable `{ sagaId }` (JavaScript callers can omit it). The id is
 * not generated: it is what makes a repeated start (a retried request) a no-op.
 */
function checkStartOptions(sagaName: string, opts: SagaStartOptions | undefined): void {
  const sagaId: unknown = typeof opts === 'object' && opts !== null ? opts.sagaId : undefined
  if (typeof sagaId === 'string' && sagaId.length > 0 && sagaId.length <= 200) return
  throw new SagaKitError(
    'E_SAGA_INVALID_OPTION',
    `start("${sagaName}", data, { sagaId }) needs a sagaId: a non-empty string of at most 200 characters that names this saga, so that starting it again is a no-op.`,
    { context: { sagaName } },
  )
}

/** Creates an orchestrator; call `migrateSagaKit(db)` once before, and `listen()` to process work. */
export function createOrchestrator(options: OrchestratorOptions): Orchestrator {
  const resolved = resolveOrchestratorOptions(options)
  const sagas = registry(options.sagas)
  const metrics = new SagaMetrics()
  const logger = options.logger ?? silentLogger
  let closed = false
  const deps: EngineDeps = {
    db: options.db,
    sagas,
    transport: options.transport,
    clock: options.clock ?? systemClock,
    logger,
    tracer: options.tracer ?? defaultTracer(),
    ownerId: resolved.ownerId ?? randomUUID(),
    leaseMs: resolved.leaseMs,
    startCommitWaitMs: resolved.startCommitWaitMs,
    replyChannel: resolved.replyChannel,
    random: options.random ?? Math.random,
    emit: (event) => {
      metrics.record(event)
      options.onEvent?.(event)
    },
    fault: faultHookOf(options),
    wake: (sagaId) =>
      void advance(sagaId).catch((e: unknown) =>
        logger.error({ sagaId, error: String(e) }, 'saga-kit: advance failed'),
      ),
  }
  const hookError = (e: unknown): void =>
    logger.error({ error: String(e) }, 'saga-kit: after-commit hook failed')

  const running = (): boolean => !closed

  /** One transaction per pass, chained on one connection while more is due (see withTxChain). */
  async function advance(sagaId: string): Promise<void> {
    if (closed) return
    await withTxChain(deps.db, sagaPasses(deps, sagaId, running).pass('now'), hookError)
  }

  async function start<Data>(
    sagaName: string,
    data: Data,
    opts: SagaStartOptions,
  ): Promise<StartResult> {
    checkStartOptions(sagaName, opts)
    const def = sagas.get(sagaName)
    if (def === undefined) {
      throw new SagaKitError(
        'E_SAGA_UNKNOWN_SAGA',
        `No saga named "${sagaName}" is registered (known: ${[...sagas.keys()].join(', ')}).`,
        { context: { sagaName, sagaId: opts.sagaId } },
      )
    }
    if (opts.tx !== undefined) {
      const { due: _due, ...result } = await startInTx(
        deps,
        opts.tx as ClientTx,
        def,
        data,
        opts.sagaId,
      )
      return result
    }
    // The start and the passes after it form one chain of transactions on one connection.
    const passes = sagaPasses(deps, opts.sagaId, running)
    let started: StartResult | undefined
    const first = startPass(deps, def, data, opts.sagaId, (result, due) => {
      started = result
      return passes.after(due)
    })
    await withTxChain(deps.db, first, hookError)
    return started as StartResult
  }

  async function runDue(limit = 1000): Promise<number> {
    const skip = new Set<string>()
    let touched = 0
    while (touched < limit && !closed) {
      try {
        const id = await claimAndRunOne(deps, skip)
        if (id === null) break
        touched++
      } catch (error) {
        logger.error(
          {
            error: String(error),
          },
          'saga-kit: advancing a due saga failed; will retry on a later poll',
        )
        break
      }
    }
    return touched
  }

  // Until when the poller's loops skip their probe: one "is anything due?" query per interval
  // answers for all of them (most find nothing); once one finds work, all of them join in.
  let quietUntil = 0
  async function pollDue(pollMs: number): Promise<void> {
    const now = performance.now()
    if (now < quietUntil) return
    quietUntil = now + pollMs
    if ((await runDue()) > 0) quietUntil = 0
  }

  let subscription: Subscription | undefined
  const loops: BackgroundLoop[] = []
  const loop = (work: () => Promise<unknown>, everyMs: number): void => {
    const background = new BackgroundLoop(work, everyMs, (e) =>
      logger.error({ error: String(e) }, 'saga-kit: background loop failed'),
    )
    loops.push(background)
    background.start()
  }

  async function operateAndAdvance(
    sagaId: string,
    action: 'retry' | 'skip',
    stepId?: string,
  ): Promise<void> {
    if (await operate(deps, sagaId, action, stepId)) await advance(sagaId)
  }

  const orchestrator: Orchestrator = {
    start: (sagaName, data, opts) => schemaChecked('start()', () => start(sagaName, data, opts)),
    get: (sagaId) => schemaChecked('get()', () => getSaga(deps.db, sagaId)),
    list: (opts) => schemaChecked('list()', () => listSagas(deps.db, opts)),
    history: (sagaId) => schemaChecked('history()', () => sagaHistory(deps.db, sagaId)),
    resume: (sagaId) => schemaChecked('resume()', () => operateAndAdvance(sagaId, 'retry')),
    retryStep: (sagaId, stepId) =>
      schemaChecked('retryStep()', () => operateAndAdvance(sagaId, 'retry', stepId)),
    skipStep: (sagaId, stepId) =>
      schemaChecked('skipStep()', () => operateAndAdvance(sagaId, 'skip', stepId)),
    advance: (sagaId) => schemaChecked('advance()', () => advance(sagaId)),
    runDue: (limit) => schemaChecked('runDue()', () => runDue(limit)),
    async checkDefinitions() {
      await requireSagaSchema(deps.db, 'checkDefinitions()')
      await checkCompatibility(deps.db, sagas)
    },
    async listen() {
      await requireSagaSchema(deps.db, 'listen()')
      await checkCompatibility(deps.db, sagas)
      subscription = await deps.transport.subscribe(
        deps.replyChannel,
        async (message, delivery) => {
          const more = await handleReply(deps, message, delivery)
          if (more !== null) await advance(more)
        },
      )
      const pollMs = resolved.pollIntervalMs
      for (let index = 0; index < resolved.concurrency; index++) {
        loop(() => pollDue(pollMs), pollMs)
      }
      loop(() => renewLeases(deps), Math.min(MAX_TIMER_MS, Math.floor(deps.leaseMs / 3)))
    },
    metrics: () => metrics.snapshot(),
    async close() {
      closed = true
      for (const background of loops.splice(0)) background.stop()
      await subscription?.close()
    },
  }
  registerOrchestratorProbe(orchestrator, () => ({
    pendingTimers: loops.reduce((sum, background) => sum + background.pendingTimers, 0),
  }))
  return orchestrator
}
