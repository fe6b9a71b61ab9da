import fc from 'fast-check'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startPostgres, type PostgresHandle } from '@faultline/infra'
import {
  appendEvents,
  appendEventsStatement,
  migrateSyncKit,
  type NewEvent,
} from '@faultline/sync-kit'
import { ev, inTx } from './support/pg.js'

let server: PostgresHandle
let pool: pg.Pool

beforeAll(async () => {
  server = await startPostgres()
  pool = new pg.Pool({ connectionString: (await server.createDatabase('outbox')).url, max: 12 })
  pool.on('error', () => undefined)
  await migrateSyncKit(pool)
})

afterAll(async () => {
  await pool?.end()
  await server?.stop()
})

/** Stored rows of the aggregates starting with `prefix`, in position order. */
async function stored(prefix: string) {
  const r = await pool.query<{ aggregateid: string; sequence: string; payload: { n: number } }>(
    `SELECT aggregateid, sequence::text, payload FROM sync_outbox
      WHERE starts_with(aggregateid, $1) ORDER BY position`,
    [prefix],
  )
  return r.rows.map((x) => ({ agg: x.aggregateid, seq: Number(x.sequence), n: x.payload.n }))
}

describe('appendEvents', () => {
  test('one call is one statement, whatever the number of aggregates; rows keep input order', async () => {
    const events = ['m-b', 'm-a', 'm-b', 'm-c', 'm-a', 'm-b'].map((a, n) => ev(a, n))
    let statements = 0
    const out = await inTx(pool, (c) =>
      appendEvents(
        {
          query: (text: string, values?: unknown[]) => {
            statements++
            return c.query(text, values)
          },
        },
        events,
      ),
    )
    expect(statements).toBe(1)
    expect(out.map((e) => [e.aggregateId, e.sequence])).toEqual([
      ['m-b', 1],
      ['m-a', 1],
      ['m-b', 2],
      ['m-c', 1],
      ['m-a', 2],
      ['m-b', 3],
    ])
    expect(await stored('m-')).toEqual(
      out.map((e, n) => ({ agg: e.aggregateId, seq: e.sequence, n })),
    )
  })

  test('property: concurrent writers over shared aggregates never deadlock, and sequences are gap-free in commit order', async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 6 }), {
          minLength: 2,
          maxLength: 24,
        }),
        async (batches) => {
          const prefix = `p${run++}-`
          let n = 0
          // Every batch in its own transaction, all at once: overlapping aggregates in any order.
          await Promise.all(
            batches.map((aggs) => {
              const events: NewEvent[] = aggs.map((a) => ev(`${prefix}${a}`, n++))
              return inTx(pool, (c) => appendEvents(c, events))
            }),
          )
          const r = await pool.query<{ agg: string; seqs: string[] }>(
            `SELECT aggregateid AS agg,
                    array_agg(sequence::text ORDER BY pg_xact_commit_timestamp(xid::xid), position)
                      AS seqs
               FROM sync_outbox WHERE starts_with(aggregateid, $1) GROUP BY aggregateid`,
            [prefix],
          )
          const expected = new Map<string, number>()
          for (const a of batches.flat()) {
            expected.set(`${prefix}${a}`, (expected.get(`${prefix}${a}`) ?? 0) + 1)
          }
          expect(r.rows.length).toBe(expected.size)
          for (const row of r.rows) {
            const want = Array.from({ length: expected.get(row.agg) ?? 0 }, (_, i) => i + 1)
            expect(row.seqs.map(Number), row.agg).toEqual(want)
          }
        },
      ),
      { numRuns: 25 },
    )
  })

  test('a failing insert (duplicate id) leaves the transaction for the caller and reserves nothing', async () => {
    const id = '01937d0e-7c6a-7b7e-9a55-3f0e8a1b2c3d'
    await inTx(pool, (c) => appendEvents(c, [{ ...ev('d-1', 0), id }]))
    await expect(
      inTx(pool, (c) => appendEvents(c, [ev('d-1', 1), { ...ev('d-2', 2), id }])),
    ).rejects.toMatchObject({ code: 'E_SYNC_DATABASE' })
    const out = await inTx(pool, (c) => appendEvents(c, [ev('d-1', 3), ev('d-2', 4)]))
    expect(out.map((e) => e.sequence)).toEqual([2, 1])
  })
})

describe('appendEventsStatement', () => {
  test('as text, with other statements in one round trip, it stores what appendEvents would', async () => {
    const hostile = {
      quote: 'it\'s "quoted" \\ and \' ; DROP TABLE sync_outbox; --',
      unicode: 'héllo ✓ 😀',
      backslashes: '\\x00 \\\\ \\n',
    }
    await inTx(pool, (c) => appendEvents(c, [ev('st-a', 0)]))
    const statement = appendEventsStatement([
      { aggregateType: 'order', aggregateId: 'st-a', type: 'order.changed', payload: { n: 1 } },
      {
        aggregateType: 'order',
        aggregateId: "st-'b",
        type: 'order.changed',
        payload: { n: 2, ...hostile },
        headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      },
      { aggregateType: 'order', aggregateId: 'st-a', type: 'order.changed', payload: { n: 3 } },
    ])
    await inTx(pool, (c) => c.query(`${statement.text}; SELECT 1`))
    expect(await stored('st-')).toEqual([
      { agg: 'st-a', seq: 1, n: 0 },
      { agg: 'st-a', seq: 2, n: 1 },
      { agg: "st-'b", seq: 1, n: 2 },
      { agg: 'st-a', seq: 3, n: 3 },
    ])
    const row = await pool.query<{ id: string; payload: object; headers: object }>(
      `SELECT id::text, payload, headers FROM sync_outbox WHERE aggregateid = $1`,
      ["st-'b"],
    )
    expect(row.rows[0]).toEqual({
      id: statement.envelopes[1]!.id,
      payload: { n: 2, ...hostile },
      headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    })
  })

  test('refuses what appendEvents refuses, before any SQL exists', () => {
    const err: unknown = (() => {
      try {
        appendEventsStatement([{ aggregateType: 'order', aggregateId: '', type: 't', payload: {} }])
      } catch (e) {
        return e
      }
    })()
    expect(err).toMatchObject({ code: 'E_SYNC_INVALID_EVENT' })
    expect(String(err)).toMatch(/aggregateId is missing/)
  })
})
