import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type pg from 'pg'
import {
  createOrchestrator,
  createParticipant,
  createPgQueueTransport,
  type DatabaseStatus,
  type Logger,
} from '@faultline/saga-kit'
import { count, startTestDb, waitFor, type TestDb } from './support/harness.js'
import { createShopTables, inventory, orderSaga, payments } from './support/order-saga.js'

let db: TestDb
beforeAll(async () => {
  db = await startTestDb()
})
afterAll(async () => db?.stop())

interface Line {
  readonly level: string
  readonly fields: Record<string, unknown>
  readonly message: string
}

/** A pino-shaped logger that keeps every line. */
function recordingLogger(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = []
  const at =
    (level: string) =>
    (fields: Record<string, unknown> | string, message?: string): void => {
      lines.push(
        typeof fields === 'string'
          ? { level, fields: {}, message: fields }
          : { level, fields, message: message ?? '' },
      )
    }
  const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
  return { logger, lines }
}

/** Counts the connections `pool` tries to open or lend, each a query that reaches for the server. */
function countConnects(pool: pg.Pool): () => number {
  let connects = 0
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown
  ;(pool as { connect: (...args: unknown[]) => unknown }).connect = (...args) => {
    connects++
    return connect(...args)
  }
  return () => connects
}

describe('an unreachable saga database', () => {
  test('the orchestrator, a participant and the Postgres queue each warn once naming the host, report it in metrics(), and say when it answers again', async () => {
    const pool = await db.fresh('unreachable')
    await createShopTables(pool)
    const connects = countConnects(pool)
    const { logger, lines } = recordingLogger()
    const transport = createPgQueueTransport({ db: pool, pollIntervalMs: 20, logger })
    const participants = [inventory, payments].map((definition) =>
      createParticipant({ db: pool, transport, definition, logger, healthCheckIntervalMs: 20 }),
    )
    for (const participant of participants) await participant.listen()
    const orchestrator = createOrchestrator({
      db: pool,
      sagas: [orderSaga()],
      transport,
      pollIntervalMs: 20,
      logger,
    })
    await orchestrator.listen()
    const statuses = (): DatabaseStatus[] => [
      orchestrator.metrics().database,
      participants[0]!.metrics().database,
      transport.metrics().database,
    ]
    const components = ['orchestrator', 'participant "inventory"', 'pg queue transport']
    const host = `${db.pg.host}:${db.pg.port}`
    await waitFor(() => statuses().every((status) => status.reachable === true))
    expect(statuses().map((status) => status.endpoint)).toEqual([host, host, host])

    await db.pg.kill()
    await waitFor(() => statuses().every((status) => status.reachable === false))
    // Sized by work: a hundred more attempts to reach the server fail before the log is read.
    const failedSoFar = connects()
    await waitFor(() => connects() >= failedSoFar + 100)
    const warnings = lines.filter((line) => line.level === 'warn' && 'component' in line.fields)
    for (const component of components) {
      const own = warnings.filter((line) => line.fields.component === component)
      expect(own, `${component}: ${JSON.stringify(own)}`).toHaveLength(1)
      expect(own[0]!.message).toContain(`cannot reach the database at ${host}`)
    }
    expect(statuses().every((status) => status.lastError !== undefined)).toBe(true)
    // No error line per failed poll either: the outage is the health tracker's to report.
    expect(lines.filter((line) => line.level === 'error')).toEqual([])

    await db.pg.restart()
    await waitFor(() => statuses().every((status) => status.reachable === true))
    const recoveries = lines.filter((line) => line.level === 'info' && 'component' in line.fields)
    for (const component of components) {
      const own = recoveries.filter((line) => line.fields.component === component)
      expect(own.map((line) => line.message)).toEqual([
        `saga-kit ${component}: the database at ${host} answers again`,
      ])
    }
    expect(statuses().every((status) => status.lastError === undefined)).toBe(true)

    // And the work goes on: a saga started after the outage completes.
    await orchestrator.start(
      'order',
      { orderId: 'after-outage', sku: 'sku-1', qty: 1, amount: 5 },
      { sagaId: 'after-outage' },
    )
    await waitFor(
      async () =>
        (await count(
          pool,
          `SELECT count(*) n FROM saga.instance WHERE saga_id = 'after-outage' AND state = 'COMPLETED'`,
        )) === 1,
    )
    await orchestrator.close()
    await Promise.all(participants.map((participant) => participant.close()))
  }, 120_000)
})
