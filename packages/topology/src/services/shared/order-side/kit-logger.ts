import type { Logger } from '@faultline/common'
import type { FastifyBaseLogger } from 'fastify'

/** The logger the kits take: `@faultline/common`'s pino-shaped one, so a pino child fits as is. */
export type KitLogger = Logger

/** A child of the service's pino logger, so kit warnings carry `service`, `instance`, `component`. */
export function kitLogger(log: FastifyBaseLogger, component: string): KitLogger {
  return log.child({ component })
}
