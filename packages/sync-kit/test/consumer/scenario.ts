import fc from 'fast-check'
import type { EventEnvelope, JsonValue } from '../../src/envelope.js'
import { createConsumer } from '../../src/consumer/consumer.js'
import { createMemoryBroker } from '../../src/adapters/memory-broker.js'
import type { ConsumerOptions, EventHandler } from '../../src/consumer/options.js'
import type { ConsumerStore } from '../../src/consumer/ports.js'
import { expectedHistories, itemEvent, publishEvents, waitUntil } from './support.js'

/** A batch of events across aggregates and how the broker mangles its delivery. */
export interface Scenario {
  readonly events: readonly EventEnvelope[]
  /** Every event at least once, some up to three times, in a shuffled order. */
  readonly deliveries: readonly EventEnvelope[]
  readonly partitions: number
  /** Crash the first consumer after handling (before committing) its n-th message. */
  readonly crashAt: number | null
}

/** Random batches across up to five aggregates, duplicated and reordered on delivery. */
export const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    raw: fc.array(
      fc.record({ agg: fc.integer({ min: 0, max: 4 }), value: fc.integer({ min: 0, max: 999 }) }),
      { minLength: 1, maxLength: 25 },
    ),
    copies: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 25, maxLength: 25 }),
    keys: fc.array(fc.double({ noNaN: true }), { minLength: 75, maxLength: 75 }),
    partitions: fc.integer({ min: 1, max: 3 }),
    crashAt: fc.option(fc.nat({ max: 30 }), { nil: null }),
  })
  .map(({ raw, copies, keys, partitions, crashAt }) => {
    const next = new Map<number, number>()
    const events = raw.map(({ agg, value }) => {
      const sequence = (next.get(agg) ?? 0) + 1
      next.set(agg, sequence)
      return itemEvent(`agg-${agg}`, sequence, value)
    })
    const copied = events.flatMap((e, i) => Array.from({ length: copies[i] ?? 1 }, () => e))
    const deliveries = copied
      .map((e, i) => ({ e, k: keys[i] ?? 0 }))
      .sort((a, b) => a.k - b.k)
      .map(({ e }) => e)
    return {
      events,
      deliveries,
      partitions,
      crashAt: crashAt !== null && crashAt < deliveries.length ? crashAt : null,
    }
  })

/** True when the delivery order differs from sequence order or repeats an event. */
export function isMangled(s: Scenario): boolean {
  return s.deliveries.length > s.events.length || s.deliveries.some((e, i) => e !== s.events[i])
}

/** How to run one scenario against a store. */
export interface ScenarioTarget<Tx> {
  readonly db: ConsumerStore<Tx>
  readonly handler: EventHandler<Tx>
  readonly groupId: string
  readonly readModel: () => Promise<Record<string, JsonValue>>
  readonly options?: Partial<ConsumerOptions<Tx>>
}

/**
 * Delivers the scenario through a memory broker (with the crash, if any, then a restarted
 * consumer) and returns the read model next to what applying each event once, in order, gives.
 */
export async function runScenario<Tx>(s: Scenario, t: ScenarioTarget<Tx>) {
  const broker = createMemoryBroker({ partitions: s.partitions })
  await publishEvents(broker, 'items', s.deliveries)
  let handled = 0
  const transports = [
    broker.consumer({ crashBeforeCommit: () => handled++ === s.crashAt }),
    broker.consumer(),
  ] as const
  const consumerFor = (transport: (typeof transports)[number]) =>
    createConsumer<Tx>({
      groupId: t.groupId,
      topics: ['items'],
      handlers: { 'item.appended': t.handler },
      consumer: transport,
      db: t.db,
      deadLetters: broker,
      sleep: () => new Promise((r) => setImmediate(r)),
      backoffBaseMs: 0,
      ...t.options,
    })
  const ends = broker.endOffsets(['items'])
  if (s.crashAt !== null) {
    const first = consumerFor(transports[0])
    await first.start()
    await waitUntil(() => transports[0].crashed !== undefined || first.caughtUp(ends))
    await first.stop()
  }
  const second = consumerFor(transports[1])
  await second.start()
  try {
    await waitUntil(() => second.caughtUp(ends))
  } catch {
    const held = (await second.heldBack()).map((p) => `${p.event.aggregateId}#${p.event.sequence}`)
    throw new Error(
      `not caught up: positions ${JSON.stringify(second.positions())} ends ${JSON.stringify(ends)} ` +
        `held ${held.join(' ')} metrics ${JSON.stringify(second.metrics())} first crashed ` +
        `${String(transports[0].crashed)} second crashed ${String(transports[1].crashed)}`,
    )
  } finally {
    await second.stop()
  }
  return {
    actual: await t.readModel(),
    expected: expectedHistories(s.events),
    dead: broker.messages(`${t.groupId}.dlq`).length,
    crashed: transports[0].crashed !== undefined,
  }
}
