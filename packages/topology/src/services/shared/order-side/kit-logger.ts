import type { FastifyBaseLogger } from 'fastify'

/** The `(message, fields)` logger sync-kit and saga-kit take today. */
export interface KitLogger {
  debug(message: string, fields?: Record<string, unknown>): void
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

/**
 * The service's pino logger in the kits' `(message, fields)` shape, so kit warnings land in the
 * service log with its `service` and `instance` fields.
 */
export function kitLogger(log: FastifyBaseLogger, component: string): KitLogger {
  const child = log.child({ component })
  return {
    debug: (message, fields) => child.debug(fields ?? {}, message),
    info: (message, fields) => child.info(fields ?? {}, message),
    warn: (message, fields) => child.warn(fields ?? {}, message),
    error: (message, fields) => child.error(fields ?? {}, message),
  }
}
