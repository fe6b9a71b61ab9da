import { describe, expect, test } from 'vitest'
import type { ConsumedBatch, ConsumedMessage, EventConsumer } from '../consumer/ports.js'
import { waitUntil } from './support.js'

/** How the contract drives one adapter. */
export interface EventConsumerHarness {
  /** A new client on the broker. */
  make(): EventConsumer
  /** A fresh, empty topic. */
  topic(): Promise<string>
  /** Appends `count` messages with `key`, values `${key}-0`, `${key}-1`, ... */
  produce(topic: string, key: string, count: number): Promise<void>
  /** How long a group may take to (re)join. */
  readonly timeoutMs: number
}

let groups = 0

/** How many messages of `topic` the group has committed, over all partitions. */
async function committedCount(x: EventConsumerHarness, groupId: string, topic: string) {
  const probe = x.make()
  try {
    const committed = await probe.committedOffsets(groupId, [topic])
    return committed.reduce((n, e) => n + Number(e.offset), 0)
  } finally {
    await probe.stop()
  }
}
const group = () => `contract-${Date.now()}-${groups++}`

/** The guarantees every EventConsumer adapter keeps (see the port's TSDoc). */
export function eventConsumerContract(name: string, h: () => EventConsumerHarness): void {
  describe(`EventConsumer contract: ${name}`, () => {
    test('delivers each partition in offset order, one message at a time', async () => {
      const x = h()
      const { timeoutMs } = x
      const t = await x.topic()
      await x.produce(t, 'k1', 20)
      await x.produce(t, 'k2', 20)
      const seen: ConsumedMessage[] = []
      const busy = new Set<number>()
      let overlapped = false
      const c = x.make()
      await c.run({
        groupId: group(),
        topics: [t],
        fromBeginning: true,
        eachMessage: async (m) => {
          if (busy.has(m.partition)) overlapped = true
          busy.add(m.partition)
          seen.push(m)
          await new Promise((r) => setImmediate(r))
          busy.delete(m.partition)
        },
      })
      await waitUntil('all 40 messages', () => seen.length === 40, timeoutMs)
      await c.stop()
      for (const key of ['k1', 'k2']) {
        const mine = seen.filter((m) => m.key === key)
        expect(mine.map((m) => m.value?.toString())).toEqual(mine.map((_, i) => `${key}-${i}`))
        expect(mine.map((m) => Number(m.offset))).toEqual(
          [...mine.map((m) => Number(m.offset))].sort((a, b) => a - b),
        )
      }
      expect(overlapped).toBe(false)
    })

    test('a new run of the group resumes after the last handled message; offsets are reported', async () => {
      const x = h()
      const { timeoutMs } = x
      const t = await x.topic()
      const g = group()
      await x.produce(t, 'k', 5)
      const first: string[] = []
      const c1 = x.make()
      await c1.run({
        groupId: g,
        topics: [t],
        fromBeginning: true,
        eachMessage: (m) => Promise.resolve(void first.push(m.value!.toString())),
      })
      await waitUntil('the first run to get 5 messages', () => first.length === 5, timeoutMs)
      await c1.stop()
      await x.produce(t, 'k', 3)
      const probe = x.make()
      const ends = await probe.endOffsets([t])
      expect(ends.reduce((n, e) => n + Number(e.offset), 0)).toBe(8)
      const committed = await probe.committedOffsets(g, [t])
      expect(committed.reduce((n, e) => n + Number(e.offset), 0)).toBe(5)
      await probe.stop()
      const second: string[] = []
      const c2 = x.make()
      await c2.run({
        groupId: g,
        topics: [t],
        fromBeginning: true,
        eachMessage: (m) => Promise.resolve(void second.push(m.value!.toString())),
      })
      await waitUntil('the second run to get 3 messages', () => second.length === 3, timeoutMs)
      await c2.stop()
      expect(second).toEqual(['k-5', 'k-6', 'k-7'])
    })

    test('eachBatch: in offset order; only what commit() covered is committed: a batch that rejects midway resumes there', async () => {
      const x = h()
      const { timeoutMs } = x
      const t = await x.topic()
      const g = group()
      await x.produce(t, 'k', 10)
      const deliveries: string[] = []
      let rejected = false
      const handler = async (batch: ConsumedBatch) => {
        for (const m of batch.messages) {
          const value = m.value!.toString()
          deliveries.push(value)
          if (value === 'k-5' && !rejected) {
            rejected = true
            throw new Error('crash while handling')
          }
          if (value !== 'k-4') await batch.commit(m.offset) // k-4 is left uncovered
        }
      }
      const c1 = x.make()
      await c1.run({ groupId: g, topics: [t], fromBeginning: true, eachBatch: handler })
      await waitUntil('the handler to reject k-5', () => rejected, timeoutMs)
      // stop() lets the rejected call finish, so whatever this run commits is committed now.
      await c1.stop()
      expect(await committedCount(x, g, t)).toBe(4) // k-0 … k-3: nothing past the uncovered k-4
      const c2 = x.make()
      await c2.run({ groupId: g, topics: [t], fromBeginning: true, eachBatch: handler })
      await waitUntil('the second run to reach k-9', () => deliveries.includes('k-9'), timeoutMs)
      await c2.stop()
      const times = (v: string) => deliveries.filter((d) => d === v).length
      expect(['k-0', 'k-1', 'k-2', 'k-3'].map(times)).toEqual([1, 1, 1, 1])
      expect(times('k-4')).toBeGreaterThanOrEqual(2) // a commit past it never came before k-5 failed
      expect(times('k-5')).toBeGreaterThanOrEqual(2)
      expect([...new Set(deliveries)]).toEqual(Array.from({ length: 10 }, (_, i) => `k-${i}`))
    })

    test('a message whose handler rejected is not committed: it is delivered again', async () => {
      const x = h()
      const { timeoutMs } = x
      const t = await x.topic()
      const g = group()
      await x.produce(t, 'k', 2)
      const deliveries: string[] = []
      let rejected = false
      const handler = (m: ConsumedMessage) => {
        deliveries.push(m.value!.toString())
        if (m.value!.toString() === 'k-1' && !rejected) {
          rejected = true
          return Promise.reject(new Error('crash while handling'))
        }
        return Promise.resolve()
      }
      const c1 = x.make()
      await c1.run({ groupId: g, topics: [t], fromBeginning: true, eachMessage: handler })
      await waitUntil('the handler to reject k-1', () => rejected, timeoutMs)
      // stop() lets the rejected call finish, so whatever this run commits is committed now.
      await c1.stop()
      expect(await committedCount(x, g, t)).toBe(1) // k-0 only
      const c2 = x.make()
      await c2.run({ groupId: g, topics: [t], fromBeginning: true, eachMessage: handler })
      await waitUntil(
        'k-1 to be delivered again',
        () => deliveries.filter((d) => d === 'k-1').length >= 2,
        timeoutMs,
      )
      await c2.stop()
      expect(deliveries.filter((d) => d === 'k-0')).toHaveLength(1)
    })
  })
}
