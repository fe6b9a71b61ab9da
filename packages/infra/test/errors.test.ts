import { describe, expect, test } from 'vitest'
import { FaultlineError, formatLsn, isFaultlineError } from '@faultline/common'
import {
  debeziumOutboxConnector,
  InfraError,
  isInfraError,
  startKafkaConnect,
  startPostgres,
  startPrometheus,
  startRedis,
  startZipkin,
  type InfraErrorCode,
  type KafkaConnectOptions,
} from '@faultline/infra'
import { invalidOption } from '../src/errors.js'
import { checkInteger } from '../src/options.js'
import { lsnFromPostgres } from '../src/postgres/replication-status.js'

async function rejection(promise: Promise<unknown>): Promise<InfraError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  )
  if (!isInfraError(outcome)) throw new Error(`expected an InfraError, got ${String(outcome)}`)
  return outcome
}

describe('InfraError', () => {
  test('is a FaultlineError with code, retryable, context and cause, recognised by both guards', () => {
    const cause = new Error('EADDRINUSE')
    const error = new InfraError('E_INFRA_PORT_IN_USE', 'Port 5432 is taken.', {
      retryable: true,
      cause,
      context: { service: 'postgres', port: 5432 },
    })
    expect(error).toBeInstanceOf(FaultlineError)
    expect(isFaultlineError(error)).toBe(true)
    expect(isInfraError(error)).toBe(true)
    expect(error).toMatchObject({
      name: 'InfraError',
      code: 'E_INFRA_PORT_IN_USE',
      retryable: true,
      context: { service: 'postgres', port: 5432 },
      cause,
    })
    expect(Object.isFrozen(error.context)).toBe(true)
    expect(Symbol.for('faultline.infra.error') in error).toBe(true)
  })

  test('a FaultlineError from another package is not an InfraError', () => {
    expect(isInfraError(new FaultlineError('E_CACHE_CLOSED', 'closed'))).toBe(false)
    expect(isInfraError(new Error('plain'))).toBe(false)
  })

  test('invalidOption() names the option, the value it got and the range', () => {
    const error = invalidOption('heapMb', 16, 'an integer of at least 128 (MB)', {
      service: 'kafka',
    })
    expect(error.code satisfies InfraErrorCode).toBe('E_INFRA_INVALID_OPTION')
    expect(error.message).toBe('heapMb must be an integer of at least 128 (MB), got 16.')
    expect(error.context).toEqual({ service: 'kafka', option: 'heapMb', value: '16' })
  })
})

describe('LSNs from Postgres', () => {
  test('parse to the BigInt that compares correctly across the 4 GiB boundary', () => {
    expect(lsnFromPostgres('0/FFFFFFFF', 'x') < lsnFromPostgres('1/0', 'x')).toBe(true)
    expect(formatLsn(lsnFromPostgres('16/b374d848', 'x'))).toBe('16/B374D848')
  })

  // The old parser split on '/', so it took '1/2/3' as 1/2 and threw a plain TypeError for 'x'.
  test.each(['1/2/3', 'x', '', 'G/0', '123456789/0', null])(
    'refuse %j with E_INFRA_INVALID_LSN naming the source',
    (text) => {
      let thrown: unknown
      try {
        lsnFromPostgres(text, 'pg_last_wal_replay_lsn()')
      } catch (error) {
        thrown = error
      }
      expect(isInfraError(thrown)).toBe(true)
      expect(thrown).toMatchObject({
        code: 'E_INFRA_INVALID_LSN',
        message: expect.stringContaining('pg_last_wal_replay_lsn() returned') as unknown,
      })
    },
  )
})

describe('startPostgres() options', () => {
  test.each([
    ['a negative delay', { replica: true, replicaApplyDelayMs: -5 }, '-5'],
    ['a fractional delay', { replica: true, replicaApplyDelayMs: 1.5 }, '1.5'],
    ['NaN', { replica: true, replicaApplyDelayMs: Number.NaN }, 'NaN'],
    ['a string', { replica: true, replicaApplyDelayMs: '500' as unknown as number }, '"500"'],
    ['a delay past int4', { replica: true, replicaApplyDelayMs: 2 ** 31 }, '2147483648'],
  ])(
    'refuse %s with E_INFRA_INVALID_OPTION naming the value and range',
    async (_, options, got) => {
      const error = await rejection(startPostgres({ ...options, provider: 'local' }))
      expect(error.code).toBe('E_INFRA_INVALID_OPTION')
      expect(error.context.option).toBe('replicaApplyDelayMs')
      expect(error.message).toBe(
        `replicaApplyDelayMs must be an integer number of ms from 0 to 2147483647, got ${got}.`,
      )
    },
  )

  test('refuse an apply delay without a replica, naming the option to add', async () => {
    const error = await rejection(startPostgres({ replicaApplyDelayMs: 500, provider: 'local' }))
    expect(error).toMatchObject({ code: 'E_INFRA_INVALID_OPTION', context: { option: 'replica' } })
    expect(error.message).toContain('true when replicaApplyDelayMs is set')
  })
})

describe('every start*() checks its options before it starts anything', () => {
  const connector = debeziumOutboxConnector({
    pgUrl: 'postgres://postgres@127.0.0.1:5999/shop',
    slot: 'shop',
    publication: 'shop_pub',
    topic: 'shop.events',
  })
  const connect = (options: Partial<KafkaConnectOptions>) =>
    startKafkaConnect({ brokers: ['127.0.0.1:9'], connector, ...options })

  test.each([
    ['startRedis log', () => startRedis({ log: 'stderr' as never }), 'log', '"stderr"'],
    ['startKafkaConnect brokers', () => connect({ brokers: [] }), 'brokers', '[]'],
    ['startKafkaConnect heapMb', () => connect({ heapMb: 64 }), 'heapMb', '64'],
    ['startKafkaConnect jvm', () => connect({ jvm: 'turbo' as never }), 'jvm', '"turbo"'],
    [
      'startKafkaConnect readyTimeoutMs',
      () => connect({ readyTimeoutMs: 0 }),
      'readyTimeoutMs',
      '0',
    ],
    ['startZipkin maxSpans', () => startZipkin({ maxSpans: 10 }), 'maxSpans', '10'],
    ['startZipkin heapMb', () => startZipkin({ heapMb: 1.5 }), 'heapMb', '1.5'],
    [
      'startPrometheus scrapeIntervalMs',
      () => startPrometheus({ scrapeIntervalMs: 5 }),
      'scrapeIntervalMs',
      '5',
    ],
  ])('%s: E_INFRA_INVALID_OPTION naming the option and value', async (_, start, option, value) => {
    const error = await rejection(start())
    expect(error).toMatchObject({ code: 'E_INFRA_INVALID_OPTION', context: { option, value } })
    expect(error.message).toMatch(
      new RegExp(`^${option} must be .+, got ${value.replace(/[[\]]/g, '\\$&')}\\.$`),
    )
  })

  test('checkInteger() states the range it wanted', () => {
    expect(checkInteger('timeoutMs', 0, { min: 0 })).toBe(0)
    expect(() => checkInteger('minSpans', 0, { min: 1 })).toThrow(
      'minSpans must be an integer of at least 1, got 0.',
    )
    expect(() => checkInteger('port', 70_000, { min: 0, max: 65_535 })).toThrow(
      'port must be an integer from 0 to 65535, got 70000.',
    )
  })
})
