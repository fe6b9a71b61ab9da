import type { FastifyBaseLogger } from 'fastify'
import type { ShutdownReport } from './shutdown.js'

/** What {@link exitOnSignals} needs. */
export interface ExitOnSignalsOptions {
  readonly shutdown: () => Promise<ShutdownReport>
  readonly log: FastifyBaseLogger
  /** After the first signal, exit with code 1 when shutdown has not finished by then. */
  readonly timeoutMs: number
  /** @default ['SIGTERM', 'SIGINT'] */
  readonly signals?: readonly NodeJS.Signals[]
  /** @default process.exit */
  readonly exit?: (code: number) => void
}

/**
 * Graceful shutdown on SIGTERM or SIGINT, within a bound: the first signal starts the shutdown
 * and a timer; the process exits 0 when the shutdown is done, and 1 when a hook failed, the
 * bound passes, or a second signal arrives (an operator who asks twice means now). Returns the
 * function that starts the same shutdown without a signal (e.g. when the supervisor goes away).
 */
export function exitOnSignals(options: ExitOnSignalsOptions): (reason: string) => void {
  const exit = options.exit ?? ((code: number) => process.exit(code))
  let begun = false
  const begin = (reason: string): void => {
    if (begun) {
      options.log.warn({ reason }, 'shutdown: asked again, exiting now')
      return exit(1)
    }
    begun = true
    options.log.info({ reason, timeoutMs: options.timeoutMs }, 'shutdown: started')
    const bound = setTimeout(() => {
      options.log.error({ timeoutMs: options.timeoutMs }, 'shutdown: bound passed, exiting now')
      exit(1)
    }, options.timeoutMs)
    options.shutdown().then(
      (report) => (clearTimeout(bound), exit(report.hooks.every((h) => h.ok) ? 0 : 1)),
      (error: unknown) => (options.log.error({ err: error }, 'shutdown failed'), exit(1)),
    )
  }
  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) process.on(signal, begin)
  return begin
}
