import type { Logger as SyncKitLogger } from '@faultline/sync-kit'
import type { Logger } from '@faultline/common'

/**
 * sync-kit's logger takes `(message, fields)` while the services log pino-style
 * `(fields, message)`; this adapts one to the other so kit warnings reach the service log.
 */
export function syncKitLogger(logger: Logger): SyncKitLogger {
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  }
}
