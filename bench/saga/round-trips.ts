/**
 * Counts what one local-mode saga costs on the wire: round trips (client.query calls), SQL
 * statements (a simple-protocol query may carry several) and COMMITs sent, for the bench's 4-step
 * saga, run one at a time so every count belongs to one saga.
 * `node --conditions=@faultline/source --import tsx bench/saga/round-trips.ts`
 */
import pg from 'pg'
import { startPostgres } from '@faultline/infra'
import { createMemoryTransport, createOrchestrator, migrateSagaKit } from '@faultline/saga-kit'
import { BUSINESS, benchSaga } from './local-mode.js'
import { newCounts, snapshotCounts, wirePool } from './pg-counter.js'

const SAGAS = Number(process.env.SAGA_COUNT_SAGAS ?? 20)

const counts = newCounts()

const server = await startPostgres({ log: () => {} })
const { url } = await server.createDatabase('bench_round_trips')
const pool = new pg.Pool({ connectionString: url, max: 4 })
pool.on('error', () => {}) // idle clients die when the server stops
wirePool(pool, counts)
await migrateSagaKit(pool)
await pool.query(BUSINESS)
const orch = createOrchestrator({
  db: pool,
  sagas: [benchSaga()],
  transport: createMemoryTransport(),
  concurrency: 0,
})

for (const [label, fail, stepsRun] of [
  ['completed (4 steps)', false, 4],
  ['compensated (4 steps, 3 compensations)', true, 7],
] as const) {
  const data = { i: fail ? 9 : 0 } // the bench's 10th saga fails at step 4
  await orch.start('bench', data, { sagaId: `warm-${label}` })
  const before = snapshotCounts(counts)
  for (let i = 0; i < SAGAS; i++)
    await orch.start('bench', data, { sagaId: `${fail ? 'c' : 'k'}-${i}` })
  const after = snapshotCounts(counts)
  const per = (k: 'trips' | 'statements' | 'commits' | 'effectTrips'): number =>
    (after[k] - before[k]) / SAGAS
  const own = per('trips') - per('effectTrips')
  console.log(
    `${label}: per saga ${per('trips').toFixed(1)} round trips (${own.toFixed(1)} saga-kit's own), ` +
      `${per('statements').toFixed(1)} statements, ${per('commits').toFixed(1)} commits; ` +
      `per step run ${(per('trips') / stepsRun).toFixed(2)} round trips (${(own / stepsRun).toFixed(2)} own)`,
  )
}
await pool.end()
await server.stop()
