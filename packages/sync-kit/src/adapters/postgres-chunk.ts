import type { QueryResult } from 'pg'
import type { EventEnvelope } from '../envelope.js'
import { lockOrder } from '../consumer/chunk.js'
import {
  aggregateKey,
  type AggregateRef,
  type ChunkClaim,
  type ChunkEnd,
  type ChunkPosition,
} from '../consumer/ports.js'

/**
 * The SQL of a chunk's transaction, as simple-protocol text: several statements travel in one
 * round trip only without bind parameters, so values are inlined as escaped literals (the
 * client's `escapeLiteral`, which handles quotes and backslashes).
 */
export type Quote = (value: string) => string

const tuple = (q: Quote, a: AggregateRef): string => `${q(a.aggregateType)}, ${q(a.aggregateId)}`

/**
 * One statement that claims every event id and upserts-and-locks every aggregate's position in
 * lock order (a no-op update locks an existing row and returns its latest committed value, as in
 * `lastSequence`). Claimed ids and positions come back as rows of one result.
 */
function claimSql(q: Quote, ns: string, events: readonly EventEnvelope[]): string {
  const ids = events.map((e) => `(${q(e.id)})`).join(', ')
  const aggs = lockOrder(events)
    .map((a) => `(${q(ns)}, ${tuple(q, a)}, 0)`)
    .join(', ')
  // Claimed ids come back as the event spelled them (a uuid's text form may differ in case).
  return `WITH v (id) AS (VALUES ${ids}),
c AS (
  INSERT INTO sync_inbox (namespace, event_id) SELECT ${q(ns)}, id::uuid FROM v
  ON CONFLICT DO NOTHING RETURNING event_id),
p AS (
  INSERT INTO sync_inbox_position AS p (namespace, aggregatetype, aggregateid, last_sequence)
  VALUES ${aggs}
  ON CONFLICT (namespace, aggregatetype, aggregateid) DO UPDATE SET last_sequence = p.last_sequence
  RETURNING aggregatetype, aggregateid, last_sequence)
SELECT v.id, NULL::text AS t, NULL::text AS i, NULL::text AS last FROM v JOIN c ON c.event_id = v.id::uuid
UNION ALL SELECT NULL, aggregatetype, aggregateid, last_sequence::text FROM p`
}

/**
 * Which of the chunk's aggregates have parked events. A statement of its own, after the claim:
 * under READ COMMITTED it reads a snapshot taken once the position locks were granted, so it
 * sees what a previous holder parked (the claim's own snapshot predates any lock wait).
 */
function parkedSql(q: Quote, ns: string, events: readonly EventEnvelope[]): string {
  const aggs = lockOrder(events)
    .map((a) => `(${tuple(q, a)})`)
    .join(', ')
  return `SELECT DISTINCT aggregatetype AS t, aggregateid AS i FROM sync_inbox_parked
WHERE namespace = ${q(ns)} AND (aggregatetype, aggregateid) IN (VALUES ${aggs})`
}

/** BEGIN, the shared lock (if any), the claim and the parked check: the chunk's first round trip. */
export function openChunkSql(
  q: Quote,
  ns: string,
  events: readonly EventEnvelope[],
  sharedLock: string | undefined,
): string {
  const lock =
    sharedLock === undefined
      ? []
      : [`SELECT pg_advisory_xact_lock_shared(hashtext(${q(sharedLock)}))`]
  return ['BEGIN', ...lock, claimSql(q, ns, events), parkedSql(q, ns, events)].join(';\n')
}

interface ClaimRow {
  id: string | null
  t: string | null
  i: string | null
  last: string | null
}

/** Reads the claim and the parked check from the results of {@link openChunkSql}. */
export function readClaim(results: QueryResult | QueryResult[]): ChunkClaim {
  const all = Array.isArray(results) ? results : [results]
  const claimRows = (all.at(-2)?.rows ?? []) as ClaimRow[]
  const parkedRows = (all.at(-1)?.rows ?? []) as { t: string; i: string }[]
  const parked = new Set(
    parkedRows.map((r) => aggregateKey({ aggregateType: r.t, aggregateId: r.i })),
  )
  const claimed = new Set<string>()
  const positions = new Map<string, ChunkPosition>()
  for (const r of claimRows) {
    if (r.id !== null) claimed.add(r.id)
    else if (r.t !== null && r.i !== null) {
      const key = aggregateKey({ aggregateType: r.t, aggregateId: r.i })
      positions.set(key, { last: Number(r.last ?? 0), parked: parked.has(key) })
    }
  }
  return { claimed, positions }
}

/** The positions the chunk moved and COMMIT: the chunk's last round trip. */
export function closeChunkSql(q: Quote, ns: string, sequences: ChunkEnd<unknown>['sequences']) {
  if (sequences.length === 0) return 'COMMIT'
  const rows = sequences
    .map((s) => `(${tuple(q, s.aggregate)}, ${String(Math.trunc(s.sequence))}::bigint)`)
    .join(', ')
  return `UPDATE sync_inbox_position AS p SET last_sequence = v.s
FROM (VALUES ${rows}) v (t, i, s)
WHERE p.namespace = ${q(ns)} AND p.aggregatetype = v.t AND p.aggregateid = v.i;
COMMIT`
}
