import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { createMemoryPublisher } from '@faultline/sync-kit'
import { silentLogger } from '@faultline/common'
import { PublishQueue } from '../src/relay/publish-queue.js'
import { RefusedEvents } from '../src/relay/refused.js'

/** Refused messages are given up; the tests that need records pass a real RefusedEvents. */
const giveUp = () => undefined

describe('PublishQueue', () => {
  test('under random broker refusals every message arrives, each key in order, each durable callback once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 60 }),
        fc.infiniteStream(fc.boolean()),
        fc.integer({ min: 1, max: 8 }),
        async (keys, coin, batchSize) => {
          const it = coin[Symbol.iterator]()
          // fast-check may draw an all-true stream; cap refusals so the broker recovers eventually.
          let calls = 0
          const publisher = createMemoryPublisher({
            shouldFail: () => calls++ < keys.length * 4 && it.next().value === true,
          })
          const q = new PublishQueue({
            publisher,
            logger: silentLogger,
            batchSize,
            retryDelayMs: 1,
            maxRetryDelayMs: 2,
            divert: giveUp,
          })
          const durable: number[] = []
          const perKey = new Map<number, number>()
          q.push(
            keys.map((k, i) => {
              const seq = (perKey.get(k) ?? 0) + 1
              perKey.set(k, seq)
              return {
                message: {
                  topic: 't',
                  key: `k${k}`,
                  value: Buffer.from(String(seq)),
                  headers: { i: String(i) },
                },
                onDurable: () => durable.push(i),
              }
            }),
          )
          await q.drained()
          const stored = publisher.messages('t')
          expect(stored).toHaveLength(keys.length)
          expect([...durable].sort((a, b) => a - b)).toEqual(keys.map((_, i) => i))
          for (const k of new Set(keys)) {
            const seqs = stored
              .filter((m) => m.key === `k${k}`)
              .map((m) => Number(m.value.toString()))
            expect(seqs).toEqual(seqs.map((_, i) => i + 1))
          }
        },
      ),
      { numRuns: 50 },
    )
  })
})

describe('PublishQueue lingerMs', () => {
  const message = (i: number) => ({
    message: { topic: 't', key: `k${i}`, value: Buffer.from(String(i)), headers: {} },
    onDurable: () => undefined,
  })
  /** A queue on a memory publisher that records the size of every produce request. */
  const counting = (batchSize: number, lingerMs?: number) => {
    const inner = createMemoryPublisher()
    const sizes: number[] = []
    const publisher = {
      publish: (m: Parameters<typeof inner.publish>[0]) => {
        sizes.push(m.length)
        return inner.publish(m)
      },
      close: () => inner.close(),
    }
    const q = new PublishQueue({
      publisher,
      logger: silentLogger,
      batchSize,
      retryDelayMs: 1,
      maxRetryDelayMs: 2,
      lingerMs,
      divert: giveUp,
    })
    return { q, sizes }
  }
  // One turn of the event loop between pushes: a trickle, without a timer racing the linger.
  const tick = () => new Promise((r) => setImmediate(r))

  test('messages trickling in within the linger go out as one produce request', async () => {
    const { q, sizes } = counting(100, 200)
    for (let i = 0; i < 5; i++) {
      q.push([message(i)])
      await tick()
    }
    await q.drained()
    expect(sizes).toEqual([5])
  })

  test('a full batch does not wait for the linger; without a linger each trickle is sent alone', async () => {
    const full = counting(3, 60_000)
    full.q.push([message(0)])
    full.q.push([message(1), message(2)])
    await full.q.drained()
    expect(full.sizes).toEqual([3])

    const eager = counting(100)
    for (let i = 0; i < 3; i++) {
      eager.q.push([message(i)])
      await eager.q.drained()
    }
    expect(eager.sizes).toEqual([1, 1, 1])
  })
})

describe('PublishQueue and messages the broker refuses for good', () => {
  test('each oversized message is replaced by its record in place; the others arrive in key order, each durable callback once, with no retry', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean()), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.integer({ min: 1, max: 8 }),
        async (spec, batchSize) => {
          const publisher = createMemoryPublisher({ maxMessageBytes: 2_000 })
          const refused = new RefusedEvents('invalid', silentLogger, undefined)
          const q = new PublishQueue({
            publisher,
            logger: silentLogger,
            batchSize,
            retryDelayMs: 60_000, // a retry would time the property out
            maxRetryDelayMs: 60_000,
            divert: (m, e, isRecord) => refused.divert(m, e, isRecord),
          })
          const durable: number[] = []
          q.push(
            spec.map(([k, big], i) => ({
              message: {
                topic: 't',
                key: `k${k}`,
                value: Buffer.from(big ? 'x'.repeat(5_000) : String(i)),
                headers: { 'fl-event-id': `e${i}` },
              },
              onDurable: () => durable.push(i),
            })),
          )
          await q.drained()
          const bigOnes = spec.flatMap(([, big], i) => (big ? [i] : []))
          expect([...durable].sort((a, b) => a - b)).toEqual(spec.map((_, i) => i))
          const records = publisher.messages('invalid')
          expect(records.map((m) => m.headers['fl-event-id']).sort()).toEqual(
            bigOnes.map((i) => `e${i}`).sort(),
          )
          expect(refused.count).toBe(bigOnes.length)
          // Per key, events and the records of refused ones keep the input order.
          for (const k of new Set(spec.map(([key]) => key))) {
            const mine = (big: boolean) =>
              spec.flatMap(([key, b], i) => (key === k && b === big ? [i] : []))
            const onTopic = publisher.messages('t').filter((m) => m.key === `k${k}`)
            expect(onTopic.map((m) => Number(m.value.toString()))).toEqual(mine(false))
            const recorded = records.filter((m) => m.key === `k${k}`)
            expect(recorded.map((m) => m.headers['fl-event-id'])).toEqual(
              mine(true).map((i) => `e${i}`),
            )
          }
          expect(q.failures).toBe(0)
        },
      ),
      { numRuns: 50 },
    )
  })

  test('a record the broker refuses too is given up: its callback runs and the queue drains', async () => {
    const publisher = createMemoryPublisher({ maxMessageBytes: 100 })
    const reports: (string | undefined)[] = []
    const refused = new RefusedEvents('invalid', silentLogger, (r) => reports.push(r.recordTopic))
    const q = new PublishQueue({
      publisher,
      logger: silentLogger,
      batchSize: 10,
      retryDelayMs: 60_000,
      maxRetryDelayMs: 60_000,
      divert: (m, e, isRecord) => refused.divert(m, e, isRecord),
    })
    let durable = 0
    q.push([
      {
        message: { topic: 't', key: 'k', value: Buffer.alloc(500), headers: {} },
        onDurable: () => durable++,
      },
    ])
    await q.drained()
    expect({ durable, reports, stored: publisher.topics() }).toEqual({
      durable: 1,
      reports: ['invalid', undefined],
      stored: [],
    })
  })
})
