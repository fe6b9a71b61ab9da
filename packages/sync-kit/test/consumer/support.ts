import type { PoolClient } from 'pg'
import { encodeEnvelope, type EventEnvelope, type JsonValue } from '../../src/envelope.js'
import type { MemoryTx } from '../../src/adapters/memory-consumer-store.js'
import type { MemoryBroker } from '../../src/adapters/memory-broker.js'
import type { Consumer } from '../../src/consumer/consumer.js'
import type { EventHandler } from '../../src/consumer/options.js'
import { uuidv7 } from '../../src/uuidv7.js'
import { defineProjection } from '../../src/projection/define.js'

/** One event of aggregate `item/<id>`: appends `value` to the item's history. */
export function itemEvent(
  id: string,
  sequence: number,
  value: JsonValue = sequence,
  extra: Partial<EventEnvelope> = {},
): EventEnvelope {
  return {
    id: uuidv7(),
    aggregateType: 'item',
    aggregateId: id,
    type: 'item.appended',
    schemaVersion: 1,
    sequence,
    payload: { value },
    headers: {},
    occurredAt: new Date(0).toISOString(),
    ...extra,
  }
}

/** Publishes envelopes as the relay would (key = aggregateId). */
export async function publishEvents(
  broker: MemoryBroker,
  topic: string,
  events: readonly EventEnvelope[],
): Promise<void> {
  await broker.publish(events.map((e) => ({ topic, ...encodeEnvelope(e) })))
}

/** Memory handler: the read model keeps each item's history of values, so order and count show. */
export const appendToHistory: EventHandler<MemoryTx> = (tx, event) => {
  const items = tx.table('items')
  const before = (items.get(event.aggregateId) ?? []) as JsonValue[]
  items.set(event.aggregateId, [...before, (event.payload as { value: JsonValue }).value])
  return Promise.resolve()
}

/** Postgres handler with the same effect as {@link appendToHistory}. */
export const appendToHistoryPg: EventHandler<PoolClient> = async (tx, event) => {
  await tx.query(
    `INSERT INTO items (id, history) VALUES ($1, jsonb_build_array($2::jsonb))
     ON CONFLICT (id) DO UPDATE SET history = items.history || jsonb_build_array($2::jsonb)`,
    [event.aggregateId, JSON.stringify((event.payload as { value: JsonValue }).value)],
  )
}

/** What applying each event once, in sequence order per aggregate, gives. */
export function expectedHistories(events: readonly EventEnvelope[]): Record<string, JsonValue[]> {
  const byId = new Map<string, EventEnvelope>()
  for (const e of events) byId.set(e.id, e)
  const out: Record<string, JsonValue[]> = {}
  const sorted = [...byId.values()].sort((a, b) => a.sequence - b.sequence)
  for (const e of sorted) {
    out[e.aggregateId] = [...(out[e.aggregateId] ?? []), (e.payload as { value: JsonValue }).value]
  }
  return out
}

/** Polls `check` until it returns true; past `timeoutMs` the error names `what` it waited for. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'the condition',
) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** Waits until `consumer` has processed every message now on its topics. */
export async function drained<Tx>(
  consumer: Consumer<Tx>,
  ends: () => Promise<readonly { topic: string; partition: number; offset: string }[]>,
  timeoutMs = 10_000,
): Promise<void> {
  const targets = await ends()
  await waitUntil(() => consumer.caughtUp(targets), timeoutMs)
}

/** The memory read model of item histories as a projection. */
export const memoryHistoryProjection = defineProjection<MemoryTx>({
  name: 'item_history',
  handles: ['item.appended'],
  createTable: (tx, table) => {
    tx.table(table)
    return Promise.resolve()
  },
  apply: (tx, event, { table }) => {
    const items = tx.table(table)
    const before = (items.get(event.aggregateId) ?? []) as JsonValue[]
    items.set(event.aggregateId, [...before, (event.payload as { value: JsonValue }).value])
    return Promise.resolve()
  },
  rows: (tx, table) =>
    Promise.resolve([...tx.table(table)].map(([id, history]) => ({ id, history }))),
})

/** The Postgres read model of item histories as a projection. */
export const pgHistoryProjection = defineProjection<PoolClient>({
  name: 'item_history',
  handles: ['item.appended'],
  createTable: async (tx, table) => {
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, history jsonb NOT NULL)`,
    )
  },
  apply: async (tx, event, { table }) => {
    await tx.query(
      `INSERT INTO ${table} (id, history) VALUES ($1, jsonb_build_array($2::jsonb))
       ON CONFLICT (id) DO UPDATE SET history = ${table}.history || jsonb_build_array($2::jsonb)`,
      [event.aggregateId, JSON.stringify((event.payload as { value: JsonValue }).value)],
    )
  },
  rows: async (tx, table) =>
    (await tx.query<{ id: string; history: JsonValue }>(`SELECT id, history FROM ${table}`)).rows,
})

/** The rows a history projection must hold for `events` (each once, in sequence order). */
export function expectedRows(events: readonly EventEnvelope[]): JsonValue[] {
  return Object.entries(expectedHistories(events)).map(([id, history]) => ({ id, history }))
}
