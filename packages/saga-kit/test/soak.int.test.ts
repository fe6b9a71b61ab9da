import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type pg from 'pg'
import { checkFlat, sampleProcess } from '@faultline/infra'
import { createOrchestrator, createPgQueueTransport } from '@faultline/saga-kit'
import { probeOrchestrator } from '@faultline/saga-kit/testing'
import { count, startTestDb, waitFor, type TestDb } from './support/harness.js'
import { createShopTables, orderSaga, startParticipants } from './support/order-saga.js'

/**
 * Sized by work: cycles × sagas, whatever the machine's speed. SOAK_CYCLES runs a longer soak by
 * hand, to tell warm-up (growth that stops) from a leak (growth that goes on).
 */
const CYCLES = Number(process.env.SOAK_CYCLES ?? 30)
const WARM_UP_CYCLES = 6
const SAGAS_PER_CYCLE = 20
/** Every DECLINE_EVERY-th order is declined, so compensations run as well. */
const DECLINE_EVERY = 5
const CONCURRENCY = 4
/** A short poll interval: many poll and lease-renewal timers per cycle, so one kept would show. */
const POLL_INTERVAL_MS = 5

let db: TestDb
let pool: pg.Pool
beforeAll(async () => {
  db = await startTestDb()
  pool = await db.fresh('saga_soak')
  await createShopTables(pool, 1_000_000)
})
afterAll(async () => db?.stop())

/** Postgres sessions on the soak's database (the pools' connections, the queue's listener). */
const connections = (): Promise<number> =>
  count(pool, 'SELECT count(*) n FROM pg_stat_activity WHERE datname = current_database()')

/**
 * Handles and requests keeping the event loop alive, timers left out: how many of the
 * orchestrator's and the queue's loops wait on a timer at the moment of a sample, rather than on
 * a query, is chance. The orchestrator's timers are counted exactly by its probe instead.
 */
const activeResourcesBesidesTimers = (): number =>
  process.getActiveResourcesInfo().filter((resource) => resource !== 'Timeout').length

const finished = (round: number): Promise<number> =>
  count(
    pool,
    `SELECT count(*) n FROM saga.instance
     WHERE saga_id LIKE $1 AND state IN ('COMPLETED','COMPENSATED')`,
    [`soak-${round}-%`],
  )

/**
 * Shown to fail on a leak: with the poll loop keeping every timer it set until close() (about
 * one per loop per poll interval), the timers the orchestrator held grew with every cycle.
 */
describe('soak: an orchestrator and two participants on a Postgres queue under steady load', () => {
  test(`heap after GC, active resources, Postgres connections and held timers stay flat over ${CYCLES} cycles`, async () => {
    const transport = createPgQueueTransport({ db: pool, pollIntervalMs: 20 })
    const participants = await startParticipants(pool, transport)
    const orchestrator = createOrchestrator({
      db: pool,
      // Long step timeouts: on a loaded machine a reply may take seconds, and a step that timed
      // out would turn a saga meant to complete into a compensated one.
      sagas: [orderSaga({ stepTimeoutMs: 120_000 })],
      transport,
      pollIntervalMs: POLL_INTERVAL_MS,
      concurrency: CONCURRENCY,
      // Many lease renewals per cycle, for the same reason.
      leaseMs: 300,
    })
    await orchestrator.listen()

    const heap: number[] = []
    const resources: number[] = []
    const sessions: number[] = []
    const timers: number[] = []
    for (let round = 0; round < CYCLES; round += 1) {
      await Promise.all(
        Array.from({ length: SAGAS_PER_CYCLE }, (_, index) =>
          orchestrator.start(
            'order',
            {
              orderId: `order-${round}-${index}`,
              sku: 'sku-1',
              qty: 1,
              amount: 10,
              declineCard: index % DECLINE_EVERY === 0,
            },
            { sagaId: `soak-${round}-${index}` },
          ),
        ),
      )
      await waitFor(async () => (await finished(round)) === SAGAS_PER_CYCLE, 120_000)
      heap.push(sampleProcess().heapBytes)
      resources.push(activeResourcesBesidesTimers())
      sessions.push(await connections())
      timers.push(probeOrchestrator(orchestrator).pendingTimers)
    }
    const metrics = orchestrator.metrics()
    await orchestrator.close()
    await Promise.all(participants.map((participant) => participant.close()))

    const verdicts = [
      checkFlat('heap after GC (bytes)', heap, { maxRelativeGrowth: 0.1, skip: WARM_UP_CYCLES }),
      checkFlat('active resources besides timers', resources, {
        maxRelativeGrowth: 0,
        absoluteTolerance: 2,
        skip: WARM_UP_CYCLES,
      }),
      checkFlat('Postgres connections (pg_stat_activity)', sessions, {
        maxRelativeGrowth: 0,
        absoluteTolerance: 2,
        skip: WARM_UP_CYCLES,
      }),
      checkFlat('timers held by the orchestrator', timers, {
        maxRelativeGrowth: 0,
        absoluteTolerance: 0.5,
        skip: WARM_UP_CYCLES,
      }),
    ]
    console.log(
      [
        `soak: ${CYCLES} cycles × ${SAGAS_PER_CYCLE} sagas (1 in ${DECLINE_EVERY} compensated)`,
        ...verdicts.map((verdict) => verdict.summary),
        `counters: ${JSON.stringify(metrics.counters)}`,
      ].join('\n'),
    )
    // The load was real: sagas completed and compensated in every cycle.
    expect(metrics.counters['saga:completed']).toBe((CYCLES * SAGAS_PER_CYCLE * 4) / 5)
    expect(metrics.counters['saga:compensated']).toBe((CYCLES * SAGAS_PER_CYCLE) / 5)
    // One timer per loop at most, whatever the run's length.
    expect(Math.max(...timers)).toBeLessThanOrEqual(CONCURRENCY + 1)
    for (const verdict of verdicts) expect(verdict.flat, verdict.summary).toBe(true)
  }, 600_000)
})
