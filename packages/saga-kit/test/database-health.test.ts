import type pg from 'pg'
import { describe, expect, test } from 'vitest'
import type { Logger } from '@faultline/common'
import { DatabaseHealth, UNREACHABLE_REMINDER_MS } from '../src/health/database-health.js'
import { databaseEndpoint, isUnreachable } from '../src/health/unreachable.js'

/** A logger that keeps every line, and a clock the test moves. */
function fixture() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = []
  const at =
    (level: string) =>
    (fields: Record<string, unknown> | string, message?: string): void => {
      lines.push(
        typeof fields === 'string'
          ? { level, fields: {}, message: fields }
          : { level, fields, message: message ?? '' },
      )
    }
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  }
  let now = 1_000
  const clock = { now: () => now }
  const health = new DatabaseHealth('orchestrator', 'db.internal:5433', logger, clock)
  return { health, lines, advance: (ms: number) => (now += ms), now: () => now }
}

const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:5433'), {
  code: 'ECONNREFUSED',
})

describe('DatabaseHealth', () => {
  test('one warning naming the host when the database becomes unreachable, not one per failure', () => {
    const { health, lines } = fixture()
    health.succeeded()
    for (let poll = 0; poll < 50; poll++) expect(health.failed(refused)).toBe(true)
    const warnings = lines.filter((line) => line.level === 'warn')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]!.message).toMatch(
      /orchestrator: cannot reach the database at db\.internal:5433/,
    )
    expect(warnings[0]!.fields).toMatchObject({ database: 'db.internal:5433' })
    expect(health.status()).toMatchObject({
      endpoint: 'db.internal:5433',
      reachable: false,
      lastError: 'connect ECONNREFUSED 10.0.0.9:5433',
    })
  })

  test('an info line when it answers again, and the status says so', () => {
    const { health, lines, advance, now } = fixture()
    health.failed(refused)
    advance(2_500)
    health.succeeded()
    health.succeeded()
    const infos = lines.filter((line) => line.level === 'info')
    expect(infos.map((line) => line.message)).toEqual([
      'saga-kit orchestrator: the database at db.internal:5433 answers again',
    ])
    expect(health.status()).toEqual({
      endpoint: 'db.internal:5433',
      reachable: true,
      lastError: undefined,
      since: now(),
    })
  })

  test('a first success logs nothing: only a recovery from an outage is news', () => {
    const { health, lines } = fixture()
    expect(health.status().reachable).toBeUndefined()
    health.succeeded()
    expect(lines).toEqual([])
    expect(health.status().reachable).toBe(true)
  })

  test('while the outage lasts, the warning is repeated once per reminder interval with how long it lasted', () => {
    const { health, lines, advance } = fixture()
    health.failed(refused)
    for (let step = 0; step < 30; step++) {
      advance(UNREACHABLE_REMINDER_MS / 10)
      health.failed(refused)
    }
    const warnings = lines.filter((line) => line.level === 'warn')
    expect(warnings).toHaveLength(4) // at 0, then after 1, 2 and 3 reminder intervals
    expect(warnings.map((line) => line.fields.downForMs)).toEqual([
      0,
      UNREACHABLE_REMINDER_MS,
      2 * UNREACHABLE_REMINDER_MS,
      3 * UNREACHABLE_REMINDER_MS,
    ])
  })

  test('an error that is not about reaching the database changes nothing and is left to the caller', () => {
    const { health, lines } = fixture()
    health.succeeded()
    const constraint = Object.assign(new Error('duplicate key value'), { code: '23505' })
    expect(health.failed(constraint)).toBe(false)
    expect(health.status().reachable).toBe(true)
    expect(lines).toEqual([])
  })

  test('track() passes the outcome through and records it', async () => {
    const { health } = fixture()
    await expect(health.track(() => Promise.reject(refused))).rejects.toBe(refused)
    expect(health.status().reachable).toBe(false)
    await expect(health.track(() => Promise.resolve(7))).resolves.toBe(7)
    expect(health.status().reachable).toBe(true)
  })

  test('a password in an error message never reaches the log or the status', () => {
    const { health, lines } = fixture()
    health.unreachable('connect to postgres://saga:s3cret@db.internal:5433/app failed')
    expect(JSON.stringify(lines)).not.toContain('s3cret')
    expect(health.status().lastError).toBe('connect to postgres://***@db.internal:5433/app failed')
  })
})

describe('isUnreachable', () => {
  test.each([
    ['a refused connection', refused],
    ['a server shutting down (57P01)', Object.assign(new Error('terminating'), { code: '57P01' })],
    ['a connection exception (08006)', Object.assign(new Error('lost'), { code: '08006' })],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
    ['a pool timeout', new Error('timeout exceeded when trying to connect')],
    ['a wrapped refusal', new Error('advance failed', { cause: refused })],
  ])('%s is unreachable', (_, error) => {
    expect(isUnreachable(error)).toBe(true)
  })

  test.each([
    ['a constraint violation', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['a missing table', Object.assign(new Error('relation does not exist'), { code: '42P01' })],
    ['a plain error', new Error('step failed')],
    ['a string', 'nope'],
  ])('%s is not', (_, error) => {
    expect(isUnreachable(error)).toBe(false)
  })
})

describe('databaseEndpoint', () => {
  const pool = (options: Record<string, unknown>) => ({ options }) as unknown as pg.Pool

  test('host and port from a connection string, without user or password', () => {
    expect(
      databaseEndpoint(pool({ connectionString: 'postgres://u:pw@db.example:6543/app' })),
    ).toBe('db.example:6543')
  })

  test('host and port options win over the connection string; the port defaults to 5432', () => {
    const saved = process.env.PGPORT
    delete process.env.PGPORT
    try {
      expect(databaseEndpoint(pool({ host: '10.1.2.3', port: 5499 }))).toBe('10.1.2.3:5499')
      expect(databaseEndpoint(pool({ connectionString: 'postgres://db.example/app' }))).toBe(
        'db.example:5432',
      )
    } finally {
      if (saved !== undefined) process.env.PGPORT = saved
    }
  })

  test('undefined for something that is not a node-postgres pool', () => {
    expect(databaseEndpoint({} as pg.Pool)).toBeUndefined()
  })
})
