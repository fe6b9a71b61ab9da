import { describe, expect, expectTypeOf, test } from 'vitest'
import { silentLogger, type Logger } from '../src/index.js'

/** The methods of pino's `Logger`, as its type declares them (pino is not a dependency here). */
interface PinoLike {
  debug: PinoLogFn
  info: PinoLogFn
  warn: PinoLogFn
  error: PinoLogFn
}
interface PinoLogFn {
  <T extends object>(obj: T, msg?: string, ...args: unknown[]): void
  (obj: unknown, msg?: string, ...args: unknown[]): void
  (msg: string, ...args: unknown[]): void
}

describe('Logger', () => {
  test("a pino logger's shape is a Logger, so a service passes its own pino instance", () => {
    expectTypeOf<PinoLike>().toExtend<Logger>()
    const lines: unknown[][] = []
    const record = (...args: unknown[]) => void lines.push(args)
    const logger: Logger = { debug: record, info: record, warn: record, error: record }
    logger.warn({ host: 'redis:6379' }, 'Redis is unreachable')
    logger.info('ready')
    expect(lines).toEqual([[{ host: 'redis:6379' }, 'Redis is unreachable'], ['ready']])
  })

  test('silentLogger takes both call forms and drops them', () => {
    expect(() => {
      silentLogger.error({ err: new Error('x') }, 'failed')
      silentLogger.debug('quiet')
    }).not.toThrow()
  })
})
