/**
 * One log method, in pino's argument order: structured fields first, then the message. A call with
 * only a message is allowed too.
 */
export interface LogFn {
  (fields: Record<string, unknown>, message?: string): void
  (message: string): void
}

/**
 * The logger every Faultline package accepts. A pino logger fits as it is
 * (`createCache({ logger: pino() })`), and so does anything with these four methods.
 */
export interface Logger {
  debug: LogFn
  info: LogFn
  warn: LogFn
  error: LogFn
}

const drop: LogFn = () => undefined

/** A logger that drops everything: the default where none is given. */
export const silentLogger: Logger = { debug: drop, info: drop, warn: drop, error: drop }
