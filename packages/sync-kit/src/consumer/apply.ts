import type { ConsumedEvent } from '../envelope.js'
import { SyncKitError } from '../errors.js'
import type { Route } from './decode.js'
import type { ConsumerEvent } from './events.js'
import type { GapPolicy, HandlerContext } from './options.js'
import type { AggregateRef, ConsumerStore, EventOrigin, ParkedEvent } from './ports.js'

/** What the transactional steps need from the consumer. */
export interface StepContext<Tx> {
  readonly store: ConsumerStore<Tx>
  readonly namespace: string
  readonly groupId: string
  readonly gapPolicy: GapPolicy
  readonly now: () => number
  /** Events are buffered per transaction and reported only after it commits. */
  readonly report: (event: ConsumerEvent) => void
}

/** What one delivery of an event came to. */
export type ApplyOutcome = 'applied' | 'ignored' | 'duplicate' | 'held'

/** Thrown inside a step when the event's sequence slot was already consumed by another event. */
export function staleSequence(event: ConsumedEvent, last: number): SyncKitError {
  return new SyncKitError(
    'E_SYNC_SEQUENCE_GAP',
    `sequence ${event.sequence} of ${event.aggregateType}/${event.aggregateId} was already ` +
      `consumed (last applied ${last}) by another event`,
    {
      context: {
        eventId: event.id,
        aggregateType: event.aggregateType,
        aggregateId: event.aggregateId,
        sequence: event.sequence,
      },
    },
  )
}

/** Runs the event's handler, or nothing for an ignored type. */
export async function runRoute<Tx>(
  tx: Tx,
  route: Route<Tx>,
  event: ConsumedEvent,
  hc: HandlerContext,
) {
  if (route.kind === 'handle') await route.handler(tx, event, hc)
  return route.kind === 'handle' ? ('applied' as const) : ('ignored' as const)
}

/**
 * Claims `event` and locks its aggregate's position: the last applied sequence, or null for a
 * duplicate. Uses the store's one-step {@link ConsumerStore.claimAndLock} when it has one.
 */
export async function claimAndLock<Tx>(
  store: ConsumerStore<Tx>,
  tx: Tx,
  namespace: string,
  event: ConsumedEvent,
): Promise<number | null> {
  if (store.claimAndLock !== undefined) return store.claimAndLock(tx, namespace, event)
  if (!(await store.claim(tx, namespace, event.id))) return null
  return store.lastSequence(tx, namespace, event)
}

/**
 * After `event` was dead-lettered: claim it and let it fill its sequence slot, so the events
 * behind it are not held back for good. Runs only after the dead letter is durably published.
 */
export async function consumeDead<Tx>(
  tx: Tx,
  ctx: StepContext<Tx>,
  event: ConsumedEvent,
  origin: EventOrigin,
  alreadyClaimed: boolean,
): Promise<void> {
  const { store, namespace } = ctx
  if (!alreadyClaimed && !(await store.claim(tx, namespace, event.id))) return
  const last = await store.lastSequence(tx, namespace, event)
  if (event.sequence === last + 1) {
    await store.setSequence(tx, namespace, event, event.sequence)
  } else if (event.sequence > last + 1 && ctx.gapPolicy === 'hold') {
    await store.park(tx, namespace, { event, origin, dead: true, parkedAt: ctx.now() })
  } else if (event.sequence > last) {
    await store.setSequence(tx, namespace, event, event.sequence)
  }
}

/** A parked event whose handler threw while it was being drained. */
export class ParkedFailure extends Error {
  constructor(
    readonly parked: ParkedEvent,
    override readonly cause: unknown,
  ) {
    super('a parked event failed')
  }
}

/**
 * Applies the parked event that is next in `aggregate`'s sequence, if there is one. Returns
 * false when nothing was parked there. A handler failure is rethrown as {@link ParkedFailure}
 * (and the transaction rolls back, so the event stays parked).
 */
export async function drainOne<Tx>(
  tx: Tx,
  ctx: StepContext<Tx>,
  aggregate: AggregateRef,
  routeOf: (event: ConsumedEvent) => Route<Tx>,
  attempt: number,
): Promise<{ drained: boolean; events: ConsumerEvent[] }> {
  const { store, namespace } = ctx
  const last = await store.lastSequence(tx, namespace, aggregate)
  const parked = await store.takeParked(tx, namespace, aggregate, last + 1)
  if (parked === undefined) return { drained: false, events: [] }
  const { event, origin } = parked
  let outcome: 'applied' | 'ignored' = 'ignored'
  if (!parked.dead) {
    try {
      outcome = await runRoute(tx, routeOf(event), event, { origin, attempt, groupId: ctx.groupId })
    } catch (err) {
      throw new ParkedFailure(parked, err)
    }
  }
  await store.setSequence(tx, namespace, aggregate, last + 1)
  const type = outcome === 'applied' ? 'consumer:applied' : 'consumer:ignored'
  return { drained: true, events: parked.dead ? [] : [{ type, eventId: event.id, origin }] }
}

/** The aggregate of an event, as a plain reference. */
export function agg(e: AggregateRef): AggregateRef {
  return { aggregateType: e.aggregateType, aggregateId: e.aggregateId }
}
