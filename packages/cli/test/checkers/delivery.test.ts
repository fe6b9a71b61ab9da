import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { checkDelivery } from '../../src/checkers/functions.js'
import type { ConsumerApplied, StreamSnapshot } from '../../src/checkers/snapshot.js'
import { streamOf, streamPlanArb } from './support/delivery-gen.js'
import { quiescedHistory } from './support/history.js'

const RUNS = 200
const quiet = quiescedHistory()

function withConsumer(
  stream: StreamSnapshot,
  change: (c: ConsumerApplied) => ConsumerApplied,
): StreamSnapshot {
  const [first, ...rest] = stream.consumers
  return { ...stream, consumers: [change(first!), ...rest] }
}

describe('delivery checker', () => {
  test(`generated deliveries (duplicates on the topic, interleaved aggregates) are valid (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(streamPlanArb, (plan) => {
        const result = checkDelivery(quiet, { streams: [streamOf(plan), streamOf(plan, 'orders')] })
        expect(result.verdict).toBe('valid')
        expect(result.stats.outboxEvents).toBeGreaterThan(0)
      }),
      { numRuns: RUNS },
    )
  })

  test(`S1: an event missing from the topic is invalid after quiescence, unknown before (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(streamPlanArb, fc.nat(), (plan, pick) => {
        const stream = streamOf(plan)
        const lost = stream.outbox[pick % stream.outbox.length]!
        const broken = {
          ...stream,
          published: stream.published!.filter((m) => m.eventId !== lost.id),
        }
        const result = checkDelivery(quiet, { streams: [broken] })
        expect(result.verdict).toBe('invalid')
        expect(result.stats.lost).toBe(1)
        expect(result.counterexamples[0]).toMatchObject({
          key: lost.id,
          detail: { aggregate: lost.aggregate, sequence: lost.sequence },
        })
        const early = checkDelivery([], { streams: [broken] })
        expect(early.verdict).toBe('unknown')
        expect(early.summary).toContain('no `quiesced` mark')
        expect(checkDelivery([], { streams: [broken] }, { requireQuiescence: false }).verdict).toBe(
          'invalid',
        )
      }),
      { numRuns: RUNS },
    )
  })

  test(`S2: an event applied twice is invalid, quiesced or not (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(streamPlanArb, fc.nat(), (plan, pick) => {
        const stream = streamOf(plan)
        const twice = stream.outbox[pick % stream.outbox.length]!
        const broken = withConsumer(stream, (c) => ({
          ...c,
          applied: c.applied.map((a) => (a.eventId === twice.id ? { ...a, count: 2 } : a)),
        }))
        const result = checkDelivery([], { streams: [broken] })
        expect(result.verdict).toBe('invalid')
        expect(result.counterexamples[0]).toMatchObject({
          key: twice.id,
          detail: { consumer: 'consumer-0', count: 2 },
        })
      }),
      { numRuns: RUNS },
    )
  })

  test(`S2: an event never applied is invalid (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(streamPlanArb, fc.nat(), (plan, pick) => {
        const stream = streamOf(plan)
        const skipped = stream.outbox[pick % stream.outbox.length]!
        const broken = withConsumer(stream, (c) => ({
          ...c,
          applied: c.applied.filter((a) => a.eventId !== skipped.id),
        }))
        const result = checkDelivery(quiet, { streams: [broken] })
        expect(result.verdict).toBe('invalid')
        expect(result.counterexamples[0]).toMatchObject({
          key: skipped.id,
          detail: { consumer: 'consumer-0', count: 0 },
        })
      }),
      { numRuns: RUNS },
    )
  })

  test(`S2: one aggregate's events applied out of sequence order are invalid (${RUNS} runs)`, () => {
    const planWithTwo = streamPlanArb.filter((p) => p.perAggregate.some((n) => n >= 2))
    fc.assert(
      fc.property(planWithTwo, fc.nat(), (plan, pick) => {
        const stream = streamOf(plan)
        const a = plan.perAggregate.findIndex((n) => n >= 2)
        const seq = 1 + (pick % (plan.perAggregate[a]! - 1))
        const [x, y] = [`e-${a}-${seq}`, `e-${a}-${seq + 1}`]
        const broken = withConsumer(stream, (c) => {
          const order = new Map(c.applied.map((e) => [e.eventId, e.order]))
          const swap = { [x]: order.get(y), [y]: order.get(x) }
          return {
            ...c,
            applied: c.applied.map((e) =>
              e.eventId in swap ? { ...e, order: swap[e.eventId] } : e,
            ),
          }
        })
        const result = checkDelivery(quiet, { streams: [broken] })
        expect(result.verdict).toBe('invalid')
        expect(result.stats.outOfOrder).toBeGreaterThanOrEqual(1)
        expect(result.counterexamples[0]).toMatchObject({
          key: `product:${a}`,
          detail: { first: y, second: x },
        })
      }),
      { numRuns: RUNS },
    )
  })

  test('a consumer is expected to apply only the event types it handles', () => {
    const stream = streamOf({ perAggregate: [2], duplicates: [], interleavings: [[0]] })
    const other = {
      ...stream,
      outbox: [
        ...stream.outbox,
        { id: 'x-1', aggregate: 'product:9', sequence: 1, type: 'catalog.product.archived' },
      ],
    }
    const published = [...other.published!, { eventId: 'x-1', partition: 0, offset: 99 }]
    const filtered = withConsumer({ ...other, published }, (c) => ({
      ...c,
      handles: ['catalog.product.changed'],
    }))
    expect(checkDelivery(quiet, { streams: [filtered] }).verdict).toBe('valid')
    expect(checkDelivery(quiet, { streams: [{ ...other, published }] }).verdict).toBe('invalid')
  })

  test('duplicates on the topic and events on the topic that the outbox lacks are counted, not failed', () => {
    const stream = streamOf({ perAggregate: [3], duplicates: [0, 1], interleavings: [[0]] })
    const published = [...stream.published!, { eventId: 'stranger', partition: 0, offset: 50 }]
    const result = checkDelivery(quiet, { streams: [{ ...stream, published }] })
    expect(result.verdict).toBe('valid')
    expect(result.stats).toMatchObject({ duplicateMessages: 2, messagesNotInOutbox: 1 })
  })

  describe('unknown, never valid', () => {
    const stream = streamOf({ perAggregate: [2, 3], duplicates: [], interleavings: [[1, 0, 1]] })

    test('without streams, with the adapter reason', () => {
      const result = checkDelivery(quiet, { unavailable: { streams: 'kafka down' } })
      expect(result.verdict).toBe('unknown')
      expect(result.summary).toContain('kafka down')
    })

    test('with an empty outbox', () => {
      expect(
        checkDelivery(quiet, { streams: [{ ...stream, outbox: [], consumers: [] }] }).verdict,
      ).toBe('unknown')
    })

    test('when the topic was not read', () => {
      const result = checkDelivery(quiet, { streams: [{ ...stream, published: undefined }] })
      expect(result.verdict).toBe('unknown')
      expect(result.summary).toContain('was not read')
    })

    test('with no consumers', () => {
      expect(checkDelivery(quiet, { streams: [{ ...stream, consumers: [] }] }).verdict).toBe(
        'unknown',
      )
    })

    test('when a consumer did not record its apply order', () => {
      const unordered = withConsumer(stream, (c) => ({
        ...c,
        applied: c.applied.map(({ eventId, count }) => ({ eventId, count })),
      }))
      const result = checkDelivery(quiet, { streams: [unordered] })
      expect(result.verdict).toBe('unknown')
      expect(result.summary).toContain('apply order not recorded for 5 event(s)')
    })
  })
})
