/**
 * Local mode: 4-step sagas of local steps with one compensation path, saga-kit against DBOS
 * Transact running the same steps and the same compensation by hand (DBOS has no saga API).
 * Every step writes one row to the same business table; every 10th saga fails at step 4 and
 * undoes steps 3, 2, 1.
 */
import pg from 'pg'
import { DBOS } from '@dbos-inc/dbos-sdk'
import {
  createMemoryTransport,
  createOrchestrator,
  defineSaga,
  migrateSagaKit,
  type SagaDefinition,
} from '@faultline/saga-kit'
import { closedLoop, quantile, settle, writeCounters, type RunResult } from './stats.js'

/** The business table every step writes one row to. */
export const BUSINESS = 'CREATE TABLE effect (saga text, step int, PRIMARY KEY (saga, step))'
const fails = (i: number): boolean => i % 10 === 9

/** The saga-kit saga: 4 local steps, each inserting one row into `effect`; the 10th fails at 4. */
export function benchSaga(): SagaDefinition<{ i: number }> {
  let saga = defineSaga<{ i: number }>('bench')
  for (const step of [1, 2, 3, 4]) {
    saga = saga.step(`s${step}`, {
      invoke: async ({ tx, sagaId, data }) => {
        if (step === 4 && fails(data.i)) throw new Error('step 4 fails')
        await tx.client.query('INSERT INTO effect VALUES ($1, $2)', [sagaId, step])
      },
      compensate: async ({ tx, sagaId }) =>
        void (await tx.client.query('DELETE FROM effect WHERE saga = $1 AND step = $2', [
          sagaId,
          step,
        ])),
    })
  }
  return saga
}

/** saga-kit: each local step writes in its checkpoint transaction. */
export async function runSagaKit(
  admin: pg.Pool,
  url: string,
  db: string,
  total: number,
  concurrency: number,
): Promise<RunResult> {
  const pool = new pg.Pool({ connectionString: url, max: concurrency + 4 })
  pool.on('error', () => {})
  await migrateSagaKit(pool)
  await pool.query(BUSINESS)
  const saga = benchSaga()
  const orch = createOrchestrator({
    db: pool,
    sagas: [saga],
    transport: createMemoryTransport(),
    concurrency: 0,
  })
  await closedLoop(50, concurrency, (i) =>
    orch.start('bench', { i }, { sagaId: `warm-${i}` }).then(() => undefined),
  )
  await settle()
  const before = await writeCounters(admin, [db])
  const run = await closedLoop(total, concurrency, async (i) => {
    await orch.start('bench', { i }, { sagaId: `s-${i}` }) // local steps run to the end inside start()
  })
  await settle()
  const after = await writeCounters(admin, [db])
  const states = await pool.query<{ state: string; n: number }>(
    `SELECT state, count(*)::int n FROM saga.instance WHERE saga_id LIKE 's-%' GROUP BY 1`,
  )
  const done = states.rows.reduce((a, r) => a + r.n, 0)
  if (
    done !== total ||
    states.rows.some((r: { state: string }) => !['COMPLETED', 'COMPENSATED'].includes(r.state))
  ) {
    throw new Error(`saga-kit did not finish every saga: ${JSON.stringify(states.rows)}`)
  }
  await pool.end()
  return summary('saga-kit (local steps)', total, run, before, after)
}

/** DBOS Transact: a workflow whose steps write through a pg pool; compensation by hand. */
export async function runDbos(
  admin: pg.Pool,
  appUrl: string,
  sysUrl: string,
  dbs: string[],
  total: number,
  concurrency: number,
): Promise<RunResult> {
  const pool = new pg.Pool({ connectionString: appUrl, max: concurrency + 4 })
  pool.on('error', () => {})
  await pool.query(BUSINESS)
  DBOS.setConfig({ name: 'saga-bench', systemDatabaseUrl: sysUrl, logLevel: 'error' })
  const write = (saga: string, step: number) =>
    DBOS.runStep(
      async () => void (await pool.query('INSERT INTO effect VALUES ($1, $2)', [saga, step])),
      { name: `s${step}` },
    )
  const undo = (saga: string, step: number) =>
    DBOS.runStep(
      async () =>
        void (await pool.query('DELETE FROM effect WHERE saga = $1 AND step = $2', [saga, step])),
      { name: `undo-s${step}` },
    )
  const workflow = DBOS.registerWorkflow(
    async (saga: string, i: number): Promise<string> => {
      const done: number[] = []
      try {
        for (const step of [1, 2, 3, 4]) {
          if (step === 4 && fails(i))
            await DBOS.runStep(() => Promise.reject(new Error('step 4 fails')), { name: 's4' })
          else await write(saga, step)
          done.push(step)
        }
        return 'COMPLETED'
      } catch {
        for (const step of done.reverse()) await undo(saga, step)
        return 'COMPENSATED'
      }
    },
    { name: 'benchSaga' },
  )
  await DBOS.launch()
  const start = async (id: string, i: number): Promise<void> => {
    const handle = await DBOS.startWorkflow(workflow, { workflowID: id })(id, i)
    await handle.getResult()
  }
  await closedLoop(50, concurrency, (i) => start(`warm-${i}`, i))
  await settle()
  const before = await writeCounters(admin, dbs)
  const run = await closedLoop(total, concurrency, (i) => start(`s-${i}`, i))
  await settle()
  const after = await writeCounters(admin, dbs)
  await DBOS.shutdown()
  await pool.end()
  return summary('DBOS Transact 5.3 (hand-written compensation)', total, run, before, after)
}

function summary(
  system: string,
  total: number,
  run: { latencies: number[]; seconds: number },
  before: { rows: number; commits: number },
  after: { rows: number; commits: number },
): RunResult {
  return {
    system,
    sagas: total,
    seconds: run.seconds,
    perSecond: total / run.seconds,
    p50Ms: quantile(run.latencies, 0.5),
    p99Ms: quantile(run.latencies, 0.99),
    rowWritesPerSaga: (after.rows - before.rows) / total,
    commitsPerSaga: (after.commits - before.commits) / total,
  }
}
