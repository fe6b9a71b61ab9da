import type { HttpClient } from '../../core/load/http-client.js'
import type { QuiescenceReport } from '../../core/target.js'
import type { TopologyAccess } from './access.js'
import type { TopologyKafka } from './kafka.js'
import { query } from './sql.js'
import { LOAD_SUBJECTS } from './tokens.js'

function field(value: unknown, ...path: string[]): unknown {
  let at = value
  for (const name of path)
    at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[name] : undefined
  return at
}

/** `/ops/state` (as an operator) of every instance of the services whose name starts with `prefix`. */
async function states(
  access: TopologyAccess,
  http: HttpClient,
  prefix: string,
): Promise<unknown[]> {
  const handle = access.handle
  const urls =
    handle === undefined
      ? Object.entries(access.endpoints)
          .filter(([name]) => name.startsWith(prefix) && name !== 'catalog-query-lb')
          .map(([, url]) => url)
      : handle
          .services()
          .filter((name) => name.startsWith(prefix))
          .flatMap((name) => handle.service(name).urls())
  const authorization = await access.tokens.authorization('ops', LOAD_SUBJECTS.operator)
  return Promise.all(
    urls.map(async (url) => {
      try {
        const response = await http.request(`${url}/ops/state`, {
          headers: { authorization },
          signal: AbortSignal.timeout(5_000),
        })
        return response.status === 200 ? response.json() : undefined
      } catch {
        return undefined
      }
    }),
  )
}

/** Cache hits / (hits + misses) over every catalog-query instance. */
export async function cacheHitRatio(access: TopologyAccess, http: HttpClient): Promise<number> {
  let hits = 0
  let misses = 0
  for (const state of await states(access, http, 'catalog-query')) {
    hits += Number(field(state, 'cache', 'hits') ?? 0)
    misses += Number(field(state, 'cache', 'misses') ?? 0)
  }
  return hits + misses === 0 ? 0 : hits / (hits + misses)
}

/** What the relays report: events queued (received, not yet published) and heartbeat lag. */
export async function relayStats(
  access: TopologyAccess,
  http: HttpClient,
): Promise<{ queued: number; lagSeconds: number | undefined }> {
  let queued = 0
  let lagMs: number | undefined
  for (const state of await states(access, http, 'relay-')) {
    const stats = field(state, 'stats')
    queued += Number(field(stats, 'queuedEvents') ?? 0)
    const heartbeat = field(stats, 'heartbeatLagMs')
    if (typeof heartbeat === 'number') lagMs = Math.max(lagMs ?? 0, heartbeat)
  }
  return { queued, lagSeconds: lagMs === undefined ? undefined : lagMs / 1000 }
}

/** OrderSaga instances per state (`saga_instances_running`, ...); empty when unreadable. */
export async function sagaCounts(access: TopologyAccess): Promise<Record<string, number>> {
  const rows = await query<{ state: string; n: string }>(
    access.databases.orders.url,
    'SELECT state, count(*)::text AS n FROM saga.instance GROUP BY state',
  ).catch(() => undefined)
  if (rows === undefined) return {}
  const count = (...names: string[]): number =>
    rows.filter((row) => names.includes(row.state)).reduce((sum, row) => sum + Number(row.n), 0)
  return {
    saga_instances_running: count('RUNNING', 'COMPENSATING', 'STASHED'),
    saga_instances_completed: count('COMPLETED'),
    saga_instances_compensated: count('COMPENSATED'),
    saga_instances_failed: count('FAILED'),
  }
}

/** Outbox rows (catalog and order side) minus messages on their topics; 0 when all are out. */
async function unpublished(access: TopologyAccess, kafka: TopologyKafka): Promise<number> {
  let missing = 0
  const producers = ['catalog', 'orders', 'inventory', 'payments', 'shipping'] as const
  for (const database of producers) {
    const rows = await query<{ aggregatetype: string; n: string }>(
      access.databases[database].url,
      'SELECT aggregatetype, count(*)::text AS n FROM sync_outbox GROUP BY aggregatetype',
    ).catch(() => [])
    for (const row of rows) {
      const topic = `${access.namespace}outbox.event.${row.aggregatetype}`
      const onTopic = await kafka.messageCount(topic).catch(() => 0)
      missing += Math.max(0, Number(row.n) - onTopic)
    }
  }
  return missing
}

/** Sagas not yet terminal in the orders database. */
async function runningSagas(access: TopologyAccess): Promise<number> {
  const rows = await query<{ n: string }>(
    access.databases.orders.url,
    `SELECT count(*)::text AS n FROM saga.instance WHERE state IN ('RUNNING', 'COMPENSATING')`,
  ).catch(() => [{ n: '0' }])
  return Number(rows[0]?.n ?? 0)
}

/**
 * Quiet when every outbox event is on its topic, no relay holds a queued event, every consumer
 * group has committed the end of its topics and no saga is still running.
 */
export async function topologyQuiescence(
  access: TopologyAccess,
  http: HttpClient,
  kafka: TopologyKafka,
): Promise<QuiescenceReport> {
  const [outboxUnpublished, relayQueued, consumerLag, sagasRunning] = await Promise.all([
    unpublished(access, kafka),
    relayStats(access, http).then((stats) => stats.queued),
    kafka.consumerLag().catch(() => -1),
    runningSagas(access),
  ])
  const detail = { outboxUnpublished, relayQueued, consumerLag, sagasRunning }
  const quiet = Object.values(detail).every((value) => value === 0)
  return { quiet, detail }
}
