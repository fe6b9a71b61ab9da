import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startPostgres, type PostgresHandle } from '@faultline/infra'
import { HANG_MS, until } from './conditions.js'

/** The replica's `recovery_min_apply_delay`. */
const DELAY_MS = 1_000
/** Writes tried until one is observed before its delay ran out (see the test's comment). */
const ATTEMPTS = 5

/** One look at the replica: the lag measured first, then the row and the replica's clock. */
interface Sample {
  readonly lagBefore: bigint
  readonly visible: boolean
  /** The replica's `clock_timestamp()` (µs since the epoch), read after its snapshot. */
  readonly atUs: number
}

let pgh: PostgresHandle
let primary: pg.Client
let replica: pg.Client

beforeAll(async () => {
  pgh = await startPostgres({ replica: true, replicaApplyDelayMs: DELAY_MS, provider: 'local' })
  primary = new pg.Client(pgh.url)
  replica = new pg.Client(pgh.replicaUrl)
  await Promise.all([primary.connect(), replica.connect()])
  await primary.query('CREATE TABLE lagged (id int PRIMARY KEY)')
  await until('the table on the replica', async () => {
    const found = await replica.query("SELECT to_regclass('lagged') IS NOT NULL AS found")
    return (found.rows[0] as { found: boolean }).found
  })
})
afterAll(async () => {
  await Promise.all([primary?.end(), replica?.end()])
  await pgh?.stop()
})

/** Inserts a row and returns its commit time in µs, as the primary recorded it. */
async function write(id: number): Promise<number> {
  await primary.query('INSERT INTO lagged VALUES ($1)', [id])
  const result = await primary.query<{ us: string }>(
    'SELECT (extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1e6)::bigint::text AS us FROM lagged WHERE id = $1',
    [id],
  )
  return Number(result.rows[0]?.us)
}

async function sample(id: number): Promise<Sample> {
  const lagBefore = await pgh.replicaLagBytes()
  const result = await replica.query<{ visible: boolean; us: string }>(
    'SELECT EXISTS (SELECT 1 FROM lagged WHERE id = $1) AS visible, (extract(epoch FROM clock_timestamp()) * 1e6)::bigint::text AS us',
    [id],
  )
  const row = result.rows[0]
  return { lagBefore, visible: row?.visible === true, atUs: Number(row?.us) }
}

/** Samples the replica from the commit until the row shows up there. */
async function watch(id: number): Promise<Sample[]> {
  const samples: Sample[] = []
  await until(`row ${id} on the replica`, async () => {
    samples.push(await sample(id))
    return samples.at(-1)?.visible === true
  })
  return samples
}

describe('startPostgres with replicaApplyDelayMs', () => {
  test('the replica runs with recovery_min_apply_delay set to it', async () => {
    const result = await replica.query<{ setting: string; unit: string }>(
      "SELECT setting, unit FROM pg_settings WHERE name = 'recovery_min_apply_delay'",
    )
    expect(result.rows[0]).toEqual({ setting: String(DELAY_MS), unit: 'ms' })
  })

  // No wall-clock window: two facts hold whatever the load. Postgres applies a commit on the
  // replica no earlier than commit time + delay, so a sample that sees the row was taken after
  // that (the replica's clock is read after its snapshot). And a sample that does not see the
  // row measured the lag while the commit was still unapplied, so the lag was above zero. A
  // write whose first look came too late to catch it unapplied proves nothing, so another is
  // tried; only a machine that cannot run three queries in DELAY_MS, ATTEMPTS times, fails it.
  test(
    'a commit stays invisible, with the lag above zero, until the delay after its commit time',
    async () => {
      let caughtUnapplied = 0
      for (let id = 1; id <= ATTEMPTS && caughtUnapplied === 0; id += 1) {
        const committedUs = await write(id)
        const samples = await watch(id)
        const dueUs = committedUs + DELAY_MS * 1000
        for (const seen of samples.filter((s) => s.visible)) {
          expect(seen.atUs, `row ${id} visible before its delay ran out`).toBeGreaterThanOrEqual(
            dueUs,
          )
        }
        for (const unseen of samples.filter((s) => !s.visible)) {
          expect(unseen.lagBefore, `row ${id} unapplied with no lag`).toBeGreaterThan(0n)
        }
        caughtUnapplied = samples.filter((s) => !s.visible).length
      }
      expect(caughtUnapplied, `no write was seen unapplied in ${ATTEMPTS} tries`).toBeGreaterThan(0)
    },
    HANG_MS * ATTEMPTS,
  )
})
