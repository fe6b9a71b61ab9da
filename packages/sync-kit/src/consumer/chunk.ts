import type { ConsumedEvent } from '../envelope.js'
import { agg, runRoute, staleSequence, type ApplyOutcome, type StepContext } from './apply.js'
import type { Route } from './decode.js'
import type { ConsumerEvent } from './events.js'
import {
  aggregateKey,
  type AggregateRef,
  type ChunkClaim,
  type ChunkEnd,
  type ConsumerStore,
  type EventOrigin,
  type TransactionOptions,
} from './ports.js'

/** One decoded event of a chunk, with where it was read. */
export interface ChunkItem<Tx> {
  readonly event: ConsumedEvent
  readonly route: Route<Tx>
  readonly origin: EventOrigin
}

/** What happened to one event of a chunk; reported only once its transaction committed. */
export interface ItemResult {
  readonly outcome: ApplyOutcome
  readonly events: readonly ConsumerEvent[]
  /** Parked successors of its aggregate may now be released: drain right after the commit. */
  readonly drain: boolean
}

/**
 * A chunk's pass: the results of the events it got through, in order. It stops early after an
 * event that needs a drain (so the drain runs before the events behind it, as when every event
 * had a transaction of its own) or at an event that threw (`failure`, at index `results.length`).
 */
export interface ChunkRun {
  readonly results: readonly ItemResult[]
  readonly failure?: { readonly error: unknown }
  readonly sequences: ChunkEnd<unknown>['sequences']
}

/** Per-aggregate state of a chunk's pass, seeded from its claim. */
interface PassState {
  readonly claim: ChunkClaim
  readonly last: Map<string, number>
  readonly parked: Set<string>
  readonly seen: Set<string>
}

/**
 * Applies the chunk's events in order inside `tx`, with the inbox and per-aggregate sequence
 * rules of a single delivery: a duplicate (claimed before, or earlier in the chunk) is skipped;
 * an event ahead of its aggregate's next sequence is parked under `hold`; one behind it is
 * refused under `hold`; the rest run their handler.
 */
export async function applyChunk<Tx>(
  tx: Tx,
  ctx: StepContext<Tx>,
  items: readonly ChunkItem<Tx>[],
  claim: ChunkClaim,
  attempt: number,
): Promise<ChunkRun> {
  const state: PassState = { claim, last: new Map(), parked: new Set(), seen: new Set() }
  for (const [key, p] of claim.positions) {
    state.last.set(key, p.last)
    if (p.parked) state.parked.add(key)
  }
  const results: ItemResult[] = []
  for (const item of items) {
    try {
      results.push(await applyItem(tx, ctx, item, state, attempt))
    } catch (error) {
      return { results, failure: { error }, sequences: [] }
    }
    if (results.at(-1)?.drain === true) break
  }
  return { results, sequences: advanced(items, state) }
}

async function applyItem<Tx>(
  tx: Tx,
  ctx: StepContext<Tx>,
  { event, route, origin }: ChunkItem<Tx>,
  s: PassState,
  attempt: number,
): Promise<ItemResult> {
  const key = aggregateKey(event)
  const hold = ctx.gapPolicy === 'hold'
  const duplicate = s.seen.has(event.id) || !s.claim.claimed.has(event.id)
  s.seen.add(event.id)
  // A duplicate may be the redelivery after a crash between an apply and its drain.
  if (duplicate) return { outcome: 'duplicate', events: [], drain: hold && s.parked.has(key) }
  const last = s.last.get(key) ?? 0
  const expected = last + 1
  const events: ConsumerEvent[] = []
  if (event.sequence < expected && hold) throw staleSequence(event, last)
  if (event.sequence > expected) {
    events.push(gap(event, expected, hold))
    if (hold) {
      const parked = { event, origin, dead: false, parkedAt: ctx.now() }
      if (!(await ctx.store.park(tx, ctx.namespace, parked))) throw staleSequence(event, last)
      s.parked.add(key)
      return { outcome: 'held', events, drain: false }
    }
  }
  const outcome = await runRoute(tx, route, event, { origin, attempt, groupId: ctx.groupId })
  if (event.sequence <= last) return { outcome, events, drain: false }
  s.last.set(key, event.sequence)
  return { outcome, events, drain: hold && s.parked.has(key) }
}

function gap(event: ConsumedEvent, expected: number, held: boolean): ConsumerEvent {
  return {
    type: 'consumer:gap',
    aggregate: agg(event),
    expected,
    received: event.sequence,
    action: held ? 'held' : 'applied',
  }
}

/** The aggregates whose last sequence the pass moved, with their new sequence. */
function advanced<Tx>(items: readonly ChunkItem<Tx>[], s: PassState): ChunkRun['sequences'] {
  const out = new Map<string, { aggregate: AggregateRef; sequence: number }>()
  for (const { event } of items) {
    const key = aggregateKey(event)
    const now = s.last.get(key)
    if (now !== undefined && now !== s.claim.positions.get(key)?.last) {
      out.set(key, { aggregate: agg(event), sequence: now })
    }
  }
  return [...out.values()]
}

/** The chunk's events with each id once (first occurrence), as a store claims them. */
export function distinctEvents<Tx>(items: readonly ChunkItem<Tx>[]): ConsumedEvent[] {
  const byId = new Map<string, ConsumedEvent>()
  for (const { event } of items) if (!byId.has(event.id)) byId.set(event.id, event)
  return [...byId.values()]
}

/** The aggregates of `events`, each once, in {@link aggregateKey} order (the lock order). */
export function lockOrder(events: readonly AggregateRef[]): AggregateRef[] {
  const byKey = new Map<string, AggregateRef>()
  for (const e of events) byKey.set(aggregateKey(e), agg(e))
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, a]) => a)
}

/**
 * {@link ConsumerStore.chunkTransaction} built from the store's single-event steps, for stores
 * that do not implement it. Setting a position to its own value is how it asks whether events
 * of the aggregate are parked (the answer `setSequence` gives).
 */
export function chunkTransaction<Tx, T>(
  store: ConsumerStore<Tx>,
  namespace: string,
  events: readonly ConsumedEvent[],
  fn: (tx: Tx, claim: ChunkClaim) => Promise<ChunkEnd<T>>,
  options: TransactionOptions,
): Promise<T> {
  if (store.chunkTransaction !== undefined) {
    return store.chunkTransaction(namespace, events, fn, options)
  }
  return store.transaction(async (tx) => {
    const claimed = new Set<string>()
    for (const e of events) if (await store.claim(tx, namespace, e.id)) claimed.add(e.id)
    const positions = new Map<string, { last: number; parked: boolean }>()
    for (const a of lockOrder(events)) {
      const last = await store.lastSequence(tx, namespace, a)
      positions.set(aggregateKey(a), {
        last,
        parked: await store.setSequence(tx, namespace, a, last),
      })
    }
    const end = await fn(tx, { claimed, positions })
    for (const s of end.sequences) await store.setSequence(tx, namespace, s.aggregate, s.sequence)
    return end.value
  }, options)
}

/** Thrown out of a chunk's body to roll it back when the pass did not get through every event. */
export class ChunkCut extends Error {
  constructor(readonly run: ChunkRun) {
    super('the chunk is cut short; its transaction rolls back')
  }
}
