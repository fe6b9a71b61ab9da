import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import { describeThrown } from '../../errors.js'
import type { Readiness } from './readiness.js'

/** A step of the shutdown after the server has drained: commit offsets, close a pool, ... */
export type ShutdownHook = () => void | Promise<void>

/** How one shutdown hook went. */
export interface HookOutcome {
  readonly name: string
  readonly ok: boolean
  readonly error?: string
}

/** What {@link ShutdownSequence.run} did. */
export interface ShutdownReport {
  readonly hooks: readonly HookOutcome[]
}

/**
 * The orderly stop of one service: report not ready, stop accepting connections and let the
 * in-flight requests finish (fastify's `close()`), then run the hooks one at a time in the order
 * they were added. A hook that fails is logged and the next one still runs, so one broken pool
 * cannot keep the offsets from being committed.
 */
export class ShutdownSequence {
  private readonly hooks: { name: string; hook: ShutdownHook }[] = []
  private running: Promise<ShutdownReport> | undefined

  constructor(
    private readonly app: FastifyInstance,
    private readonly readiness: Readiness,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Adds a hook to run after the server has drained, after every hook added before it. */
  add(name: string, hook: ShutdownHook): void {
    if (this.running !== undefined) throw new Error(`shutdown already began; "${name}" is late`)
    this.hooks.push({ name, hook })
  }

  /** Whether shutdown has begun. */
  get started(): boolean {
    return this.running !== undefined
  }

  /** Runs the sequence once; later calls return the same outcome. */
  run(): Promise<ShutdownReport> {
    this.running ??= this.sequence()
    return this.running
  }

  private async sequence(): Promise<ShutdownReport> {
    this.readiness.startDraining()
    this.log.info('shutdown: draining in-flight requests')
    // close() waits for every connection, but only closes those idle at the time of the call; a
    // keep-alive connection whose request finishes later would hold it open until its keep-alive
    // timeout. Responses sent meanwhile carry `Connection: close` (see createServiceApp), and
    // connections that turn idle anyway are closed as they do.
    const reaper = setInterval(() => this.app.server.closeIdleConnections(), 50)
    try {
      await this.app.close()
    } finally {
      clearInterval(reaper)
    }
    const hooks: HookOutcome[] = []
    for (const { name, hook } of this.hooks) hooks.push(await this.runHook(name, hook))
    this.log.info({ hooks }, 'shutdown: done')
    return { hooks }
  }

  private async runHook(name: string, hook: ShutdownHook): Promise<HookOutcome> {
    try {
      await hook()
      return { name, ok: true }
    } catch (error) {
      this.log.error({ err: error, hook: name }, 'shutdown hook failed')
      return { name, ok: false, error: describeThrown(error) }
    }
  }
}
