import fc from 'fast-check'
import type {
  AppliedEvent,
  ConsumerApplied,
  OutboxEventRow,
  StreamSnapshot,
  TopicMessage,
} from '../../../src/checkers/snapshot.js'

/** The shape of a generated stream: events per aggregate, and how delivery shuffled them. */
export interface StreamPlan {
  readonly perAggregate: readonly number[]
  /** Which events the relay published twice (after a crash), by index. */
  readonly duplicates: readonly number[]
  /** Choices that interleave the aggregates, one list per consumer. */
  readonly interleavings: readonly (readonly number[])[]
}

export const streamPlanArb: fc.Arbitrary<StreamPlan> = fc.record({
  perAggregate: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 6 }),
  duplicates: fc.array(fc.nat(), { maxLength: 5 }),
  interleavings: fc.array(fc.array(fc.nat(), { minLength: 40, maxLength: 40 }), {
    minLength: 1,
    maxLength: 3,
  }),
})

function outboxOf(plan: StreamPlan): OutboxEventRow[] {
  return plan.perAggregate.flatMap((n, a) =>
    Array.from({ length: n }, (_, s) => ({
      id: `e-${a}-${s + 1}`,
      aggregate: `product:${a}`,
      sequence: s + 1,
      type: 'catalog.product.changed',
    })),
  )
}

/** Each aggregate on one partition; a crash re-publishes some events after the rest. */
function publishedOf(outbox: OutboxEventRow[], duplicates: readonly number[]): TopicMessage[] {
  const replayed = duplicates.map((d) => outbox[d % outbox.length]!)
  const offsets = new Map<number, number>()
  return [...outbox, ...replayed].map((row) => {
    const partition = Number(row.aggregate.split(':')[1]) % 3
    const offset = offsets.get(partition) ?? 0
    offsets.set(partition, offset + 1)
    return { eventId: row.id, partition, offset }
  })
}

/** Applies every event once, each aggregate in order, the aggregates interleaved by `choices`. */
function appliedOf(outbox: OutboxEventRow[], choices: readonly number[]): AppliedEvent[] {
  const queues = [...Map.prototype.values.call(groupByAggregate(outbox))] as OutboxEventRow[][]
  const applied: AppliedEvent[] = []
  let i = 0
  while (queues.some((q) => q.length > 0)) {
    const open = queues.filter((q) => q.length > 0)
    const next = open[(choices[i++ % choices.length] ?? 0) % open.length]!.shift()!
    applied.push({ eventId: next.id, count: 1, order: applied.length * 10 + 3 })
  }
  return applied
}

function groupByAggregate(outbox: OutboxEventRow[]): Map<string, OutboxEventRow[]> {
  const groups = new Map<string, OutboxEventRow[]>()
  for (const row of outbox) groups.set(row.aggregate, [...(groups.get(row.aggregate) ?? []), row])
  return groups
}

/** A stream where every event was published (some twice) and applied once, in order, by each consumer. */
export function streamOf(plan: StreamPlan, name = 'catalog'): StreamSnapshot {
  const outbox = outboxOf(plan)
  const consumers: ConsumerApplied[] = plan.interleavings.map((choices, c) => ({
    name: `consumer-${c}`,
    applied: appliedOf(outbox, choices),
  }))
  return {
    name,
    topic: `outbox.event.${name}`,
    outbox,
    published: publishedOf(outbox, plan.duplicates),
    consumers,
  }
}
