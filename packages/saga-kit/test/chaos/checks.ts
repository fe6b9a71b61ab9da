/**
 * The SQL checks that close a chaos run: every saga ended where it may end, no step or effect
 * happened twice, compensations ran once each and in reverse, and the business tables add up.
 */
import { expect } from 'vitest'
import type pg from 'pg'
import { createOrchestrator, type SagaTransport } from '@faultline/saga-kit'
import { chaosSaga, type ChaosFaults } from './chaos-saga.js'
import { count, waitFor } from '../support/harness.js'

/** What a run's checks need to know about it. */
export interface ChaosRunFacts {
  readonly pool: pg.Pool
  readonly transport: SagaTransport
  readonly sagas: number
  /** Ids of the sagas whose refund fails on purpose, sorted. */
  readonly failOnPurpose: readonly string[]
  /** Stock put on the shelves at the start, all rows together. */
  readonly totalStock: number
}

/** Participant effects applied more than once for one idempotency key. */
export const doubleEffects = (pool: pg.Pool) =>
  count(
    pool,
    'SELECT count(*) n FROM (SELECT key, what FROM effect_log GROUP BY 1,2 HAVING count(*) > 1) d',
  )

/** Stock that is neither on the shelf nor reserved: 0 when stock is conserved. */
export const stockDrift = (pool: pg.Pool, totalStock: number) =>
  count(
    pool,
    `SELECT $1 - (SELECT sum(qty) FROM stock) - (SELECT coalesce(sum(qty), 0) FROM reservation) n`,
    [totalStock],
  )

/** Saga count per state. */
export async function statesOf(pool: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ state: string; n: string }>(
    'SELECT state, count(*) n FROM saga.instance GROUP BY 1',
  )
  return Object.fromEntries(rows.map((row) => [row.state, Number(row.n)]))
}

/**
 * Every saga ended COMPLETED or COMPENSATED, except those whose refund fails on purpose: FAILED,
 * with the failed compensation and its error recorded and listed. Returns the FAILED sagas.
 *
 * An on-purpose saga may escape FAILED only by never completing its charge (an earlier step
 * timed out during a kill, so the saga turned back before charging): then no refund ran, and it
 * must be COMPENSATED. Anything else, or no FAILED saga at all, fails the run.
 */
export async function expectOutcomes(run: ChaosRunFacts): Promise<string[]> {
  const { pool, failOnPurpose } = run
  expect(failOnPurpose.length).toBeGreaterThan(0)
  expect(
    await count(
      pool,
      `SELECT count(*) n FROM saga.instance WHERE state NOT IN ('COMPLETED','COMPENSATED') AND NOT (saga_id = ANY($1))`,
      [failOnPurpose],
    ),
  ).toBe(0)
  const operator = createOrchestrator({ db: pool, sagas: [chaosSaga()], transport: run.transport })
  const failed = await operator.list({ state: 'FAILED', limit: run.sagas })
  const failedIds = failed.map((instance) => instance.sagaId).sort()
  expect(failedIds.filter((id) => !failOnPurpose.includes(id))).toEqual([])
  expect(failedIds.length).toBeGreaterThan(failOnPurpose.length / 2)
  const escaped = failOnPurpose.filter((id) => !failedIds.includes(id))
  expect(
    await count(
      pool,
      `SELECT count(*) n FROM saga.instance i WHERE i.saga_id = ANY($1) AND (i.state <> 'COMPENSATED'
         OR EXISTS (SELECT 1 FROM saga.step s WHERE s.saga_id = i.saga_id AND s.step_id = 'charge'
                      AND s.direction = 'invoke' AND s.status = 'done'))`,
      [escaped],
    ),
    `on-purpose sagas that escaped FAILED: ${escaped.join(', ')}`,
  ).toBe(0)
  for (const instance of failed) {
    expect(instance).toMatchObject({
      failedPhase: 'backward',
      failedStep: 'charge',
      error: { message: 'refund provider rejects this card' },
    })
  }
  const states = await statesOf(pool)
  expect(states.COMPLETED ?? 0).toBeGreaterThan(0)
  expect(states.COMPENSATED ?? 0).toBeGreaterThan(0)
  return failedIds
}

/** No step recorded twice; compensations once per completed compensatable step, in reverse. */
export async function expectStepsOnceInOrder(pool: pg.Pool): Promise<void> {
  // No step recorded twice: one completion per step direction, one effect per idempotency key.
  expect(
    await count(
      pool,
      `SELECT count(*) n FROM (SELECT saga_id, step_id, direction FROM saga.history WHERE kind = 'step.completed' GROUP BY 1,2,3 HAVING count(*) > 1) d`,
    ),
  ).toBe(0)
  expect(await doubleEffects(pool)).toBe(0)
  // Every completed compensatable step of a compensated saga was compensated exactly once...
  expect(
    await count(
      pool,
      `
      SELECT count(*) n FROM saga.instance i JOIN saga.step f ON f.saga_id = i.saga_id AND f.direction = 'invoke' AND f.status = 'done'
      WHERE i.state = 'COMPENSATED' AND f.step_id <> 'approve'
        AND NOT EXISTS (SELECT 1 FROM saga.step c WHERE c.saga_id = f.saga_id AND c.step_id = f.step_id AND c.direction = 'compensate' AND c.status = 'done')`,
    ),
  ).toBe(0)
  // ...in reverse order.
  expect(
    await count(
      pool,
      `
      WITH c AS (SELECT saga_id, step_id, id FROM saga.history WHERE kind = 'step.completed' AND direction = 'compensate'),
           r AS (SELECT saga_id, array_agg(step_id ORDER BY id) seq FROM c GROUP BY 1)
      SELECT count(*) n FROM r WHERE seq <> ARRAY(SELECT x FROM unnest(ARRAY['charge','reserve-stock','create-order']) x WHERE x = ANY(r.seq))`,
    ),
  ).toBe(0)
}

/** Stock never negative and conserved; payments and reservations only for completed orders. */
export async function expectBusinessInvariants(run: ChaosRunFacts): Promise<void> {
  const { pool } = run
  expect(await count(pool, 'SELECT count(*) n FROM stock WHERE qty < 0')).toBe(0)
  expect(await stockDrift(pool, run.totalStock)).toBe(0)
  expect(
    await count(
      pool,
      `SELECT count(*) n FROM payment p JOIN saga.instance i ON i.data->>'orderId' = p.order_id WHERE i.state = 'COMPENSATED'`,
    ),
  ).toBe(0)
  expect(
    await count(
      pool,
      `SELECT count(*) n FROM reservation r JOIN saga.instance i ON r.key = i.saga_id || ':reserve-stock' WHERE i.state = 'COMPENSATED'`,
    ),
  ).toBe(0)
  // Completed orders hold exactly one payment and one reservation.
  expect(
    await count(
      pool,
      `SELECT count(*) n FROM saga.instance i WHERE state = 'COMPLETED' AND ((SELECT count(*) FROM payment p WHERE p.order_id = i.data->>'orderId') <> 1 OR NOT EXISTS (SELECT 1 FROM reservation r WHERE r.key = i.saga_id || ':reserve-stock'))`,
    ),
  ).toBe(0)
}

/** The refund provider is fixed: resuming one FAILED saga finishes its compensation. */
export async function expectResumeCompensates(
  run: ChaosRunFacts,
  faults: ChaosFaults,
  failedIds: readonly string[],
): Promise<void> {
  const { pool } = run
  const operator = createOrchestrator({ db: pool, sagas: [chaosSaga()], transport: run.transport })
  faults.refundWorks = true
  const resumed = failedIds[0]!
  await operator.resume(resumed)
  await waitFor(async () => (await operator.get(resumed))?.state === 'COMPENSATED', 60_000)
  const undone = await operator.get(resumed)
  expect(
    undone?.steps
      .filter((step) => step.direction === 'compensate')
      .map((step) => [step.stepId, step.status]),
  ).toEqual(
    expect.arrayContaining([
      ['charge', 'done'],
      ['reserve-stock', 'done'],
      ['create-order', 'done'],
    ]),
  )
  expect(
    await count(pool, `SELECT count(*) n FROM payment WHERE order_id = $1`, [
      (undone?.data as { orderId: string }).orderId,
    ]),
  ).toBe(0)
  expect(
    await count(pool, `SELECT count(*) n FROM reservation WHERE key = $1`, [
      `${resumed}:reserve-stock`,
    ]),
  ).toBe(0)
  expect(await doubleEffects(pool)).toBe(0)
  expect(await count(pool, `SELECT count(*) n FROM saga.instance WHERE state = 'FAILED'`)).toBe(
    failedIds.length - 1,
  )
  expect(await stockDrift(pool, run.totalStock)).toBe(0)
}

/**
 * Step timeouts by step and direction, and how many forward steps failed on a timeout although
 * their participant had refused them (the refusal reached the orchestrator only after the step's
 * last attempt timed out: a reply held up by a kill or by slow handlers fetched with it). Checks
 * that no final refusal was ignored while its step still waited for a reply or a retry (issue 12:
 * a refusal replayed to a retried command carried the first attempt's number and was ignored, so
 * the step timed out on every attempt; 26 of 500 sagas in one run).
 */
export async function expectRefusalsHeard(pool: pg.Pool) {
  const { rows } = await pool.query<{ step: string; n: number }>(
    `SELECT step_id || '/' || direction AS step, count(*)::int AS n FROM saga.history
     WHERE kind = 'step.timeout' GROUP BY 1 ORDER BY 1`,
  )
  const refusedButTimedOut = await count(
    pool,
    `SELECT count(*) n FROM saga.step s JOIN saga.inbox i
       ON i.idempotency_key = s.saga_id || ':' || s.step_id AND i.direction = 'invoke'
     WHERE s.direction = 'invoke' AND s.status = 'failed' AND i.outcome = 'failed'
       AND s.error->>'code' = 'E_SAGA_STEP_TIMEOUT'`,
  )
  const ignored = await pool.query<{ saga_id: string; step_id: string; attempt: number }>(
    `SELECT saga_id, step_id, attempt, detail->>'reason' AS reason FROM saga.history
     WHERE kind = 'reply.ignored' AND detail->>'outcome' = 'failed'
       AND (detail->'error'->>'retryable')::boolean = false
       AND (detail->>'reason' LIKE 'step is waiting%' OR detail->>'reason' LIKE 'step is retry_wait%')`,
  )
  expect(ignored.rows).toEqual([])
  return { byStep: Object.fromEntries(rows.map((row) => [row.step, row.n])), refusedButTimedOut }
}
