import { randomUUID } from 'node:crypto'
import type { SagaDefinition } from './core/define-saga.js'
import type { InstanceRecord } from './core/records.js'
import type { SagaTx } from './core/types.js'
import { BackgroundLoop } from './background-loop.js'
import { SagaKitError } from './errors.js'
import { SagaMetrics, type SagaMetricsSnapshot } from './events.js'
import { DEFAULTS, type OrchestratorOptions } from './options.js'
import { checkCompatibility } from './postgres/compatibility.js'
import type { EngineDeps } from './postgres/deps.js'
import { sagaPasses } from './postgres/advance.js'
import { operate } from './postgres/operator.js'
import { claimAndRunOne, renewLeases } from './postgres/poller.js'
import {
  getSaga,
  type HistoryRecord,
  listSagas,
  type ListOptions,
  sagaHistory,
  type SagaView,
} from './postgres/queries.js'
import { handleReply } from './postgres/replies.js'
import { type StartResult, startInTx, startPass } from './postgres/start.js'
import type { ClientTx } from './postgres/tx.js'
import { withTxChain } from './postgres/tx-chain.js'
import { silentLogger, systemClock, type Subscription } from './ports.js'
import { defaultTracer } from './telemetry.js'
import { registerOrchestratorProbe } from './testing/probes.js'

/** Options of one `start()` call. */
export interface StartOptions {
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
  start<Data>(sagaName: string, data: Data, options: StartOptions): Promise<StartResult>
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

function registry(sagas: OrchestratorOptions['sagas']): Map<string, SagaDefinition<unknown>> {
  const map = new Map<string, SagaDefinition<unknown>>()
  for (const def of sagas) {
    if (map.has(def.name))
      throw new SagaKitError('E_SAGA_BAD_OPTION', `Two sagas are named "${def.name}".`, {
        context: { sagaName: def.name },
      })
    if (def.groups.length === 0)
      throw new SagaKitError('E_SAGA_BAD_OPTION', `Saga "${def.name}" has no steps.`, {
        context: { sagaName: def.name },
      })
    map.set(def.name, def as SagaDefinition<unknown>)
  }
  return map
}

/**
 * Refuses a `start()` without a usable `{ sagaId }` (JavaScript callers can omit it). The id is
 * not generated: it is what makes a repeated start (a retried request) a no-op.
 */
function checkStartOptions(sagaName: string, opts: StartOptions | undefined): void {
  const sagaId: unknown = typeof opts === 'object' && opts !== null ? opts.sagaId : undefined
  if (typeof sagaId === 'string' && sagaId.length > 0 && sagaId.length <= 200) return
  throw new SagaKitError(
    'E_SAGA_BAD_OPTION',
    `start("${sagaName}", data, { sagaId }) needs a sagaId: a non-empty string of at most 200 characters that names this saga, so that starting it again is a no-op.`,
    { context: { sagaName } },
  )
}

function positiveMs(name: string, value: number): number {
  if (Number.isFinite(value) && value > 0) return value
  throw new SagaKitError(
    'E_SAGA_BAD_OPTION',
    `createOrchestrator(): ${name} must be a positive number of milliseconds (got ${String(value)}).`,
  )
}

/** Creates an orchestrator; call `migrate(db)` once before, and `listen()` to process work. */
export function createOrchestrator(options: OrchestratorOptions): Orchestrator {
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
    ownerId: options.ownerId ?? randomUUID(),
    leaseMs: options.leaseMs ?? DEFAULTS.leaseMs,
    startCommitWaitMs: positiveMs(
      'startCommitWaitMs',
      options.startCommitWaitMs ?? DEFAULTS.startCommitWaitMs,
    ),
    replyChannel: options.replyChannel ?? DEFAULTS.replyChannel,
    random: options.random ?? Math.random,
    emit: (event) => {
      metrics.record(event)
      options.onEvent?.(event)
    },
    faultPoint: options.faultPoint ?? (() => {}),
    wake: (sagaId) =>
      void advance(sagaId).catch((e: unknown) =>
        logger.error('saga-kit: advance failed', { sagaId, error: String(e) }),
      ),
  }
  const hookError = (e: unknown): void =>
    logger.error('saga-kit: after-commit hook failed', { error: String(e) })

  const running = (): boolean => !closed

  /** One transaction per pass, chained on one connection while more is due (see withTxChain). */
  async function advance(sagaId: string): Promise<void> {
    if (closed) return
    await withTxChain(deps.db, sagaPasses(deps, sagaId, running).pass('now'), hookError)
  }

  async function start<Data>(
    sagaName: string,
    data: Data,
    opts: StartOptions,
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
        logger.error('saga-kit: advancing a due saga failed; will retry on a later poll', {
          error: String(error),
        })
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
      logger.error('saga-kit: background loop failed', { error: String(e) }),
    )
    loops.push(background)
    background.start()
  }

  const orchestrator: Orchestrator = {
    start,
    get: (sagaId) => getSaga(deps.db, sagaId),
    list: (opts) => listSagas(deps.db, opts),
    history: (sagaId) => sagaHistory(deps.db, sagaId),
    resume: async (sagaId) =>
      void ((await operate(deps, sagaId, 'retry')) && (await advance(sagaId))),
    retryStep: async (sagaId, stepId) =>
      void ((await operate(deps, sagaId, 'retry', stepId)) && (await advance(sagaId))),
    skipStep: async (sagaId, stepId) =>
      void ((await operate(deps, sagaId, 'skip', stepId)) && (await advance(sagaId))),
    advance,
    runDue,
    checkDefinitions: () => checkCompatibility(deps.db, sagas),
    async listen() {
      await checkCompatibility(deps.db, sagas)
      subscription = await deps.transport.subscribe(
        deps.replyChannel,
        async (message, delivery) => {
          const more = await handleReply(deps, message, delivery)
          if (more !== null) await advance(more)
        },
      )
      const concurrency = options.concurrency ?? DEFAULTS.concurrency
      const pollMs = options.pollIntervalMs ?? DEFAULTS.pollIntervalMs
      for (let n = 0; n < concurrency; n++) loop(() => pollDue(pollMs), pollMs)
      loop(
        () => renewLeases(deps),
        Math.min(2 ** 31 - 1, Math.max(50, Math.floor(deps.leaseMs / 3))),
      )
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
