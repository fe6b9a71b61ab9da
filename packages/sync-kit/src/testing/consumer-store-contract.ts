import { describe, expect, test } from 'vitest'
import { claimAndLock } from '../consumer/apply.js'
import { chunkTransaction } from '../consumer/chunk.js'
import {
  aggregateKey,
  type ChunkClaim,
  type ChunkEnd,
  type ProjectionStore,
} from '../consumer/ports.js'
import type { EventEnvelope } from '../envelope.js'
import { itemEvent, letRivalQueue, signal, waitUntil, warmUp } from './support.js'

const origin = { topic: 't', partition: 0, offset: '0' }
const agg = { aggregateType: 'item', aggregateId: 'a' }
/** An aggregate no rival touches: the lock holder's busy work while a rival queues. */
const probe = { aggregateType: 'item', aggregateId: 'probe' }
let n = 0
const ns = () => `contract-${Date.now()}-${n++}`

/** The guarantees every ConsumerStore/ProjectionStore adapter keeps. */
export function consumerStoreContract<Tx>(name: string, store: () => ProjectionStore<Tx>): void {
  describe(`ConsumerStore contract: ${name}`, () => {
    test('claim() is true once per id and namespace, and a rolled-back claim never happened', async () => {
      const s = store()
      const [a, b] = [ns(), ns()]
      const id = itemEvent('a', 1).id
      expect(await s.transaction((tx) => s.claim(tx, a, id))).toBe(true)
      expect(await s.transaction((tx) => s.claim(tx, a, id))).toBe(false)
      expect(await s.transaction((tx) => s.claim(tx, b, id))).toBe(true)
      const other = itemEvent('a', 2).id
      await expect(
        s.transaction(async (tx) => {
          await s.claim(tx, a, other)
          throw new Error('rollback')
        }),
      ).rejects.toThrow('rollback')
      expect(await s.transaction((tx) => s.claim(tx, a, other))).toBe(true)
    })

    test('100 concurrent claims of one id: exactly one wins', async () => {
      const s = store()
      const space = ns()
      const id = itemEvent('a', 1).id
      const wins = await Promise.all(
        Array.from({ length: 100 }, () => s.transaction((tx) => s.claim(tx, space, id))),
      )
      expect(wins.filter(Boolean)).toHaveLength(1)
    })

    test('sequences start at 0 and commit with the transaction', async () => {
      const s = store()
      const space = ns()
      expect(await s.transaction((tx) => s.lastSequence(tx, space, agg))).toBe(0)
      await s.transaction((tx) => s.setSequence(tx, space, agg, 3))
      await s
        .transaction(async (tx) => {
          await s.setSequence(tx, space, agg, 9)
          throw new Error('rollback')
        })
        .catch(() => undefined)
      expect(await s.transaction((tx) => s.lastSequence(tx, space, agg))).toBe(3)
    })

    test('setSequence() tells whether events of the aggregate are parked', async () => {
      const s = store()
      const space = ns()
      await s.transaction((tx) => s.lastSequence(tx, space, agg))
      expect(await s.transaction((tx) => s.setSequence(tx, space, agg, 1))).toBe(false)
      const parked = { event: itemEvent('a', 3), origin, dead: false, parkedAt: 0 }
      await s.transaction((tx) => s.park(tx, space, parked))
      expect(await s.transaction((tx) => s.setSequence(tx, space, agg, 2))).toBe(true)
      const other = { aggregateType: 'item', aggregateId: 'b' }
      await s.transaction((tx) => s.lastSequence(tx, space, other))
      expect(await s.transaction((tx) => s.setSequence(tx, space, other, 1))).toBe(false)
    })

    test('claimAndLock() claims once and returns the last sequence; a duplicate gets null', async () => {
      const s = store()
      const space = ns()
      const e1 = itemEvent('a', 1)
      expect(await s.transaction((tx) => claimAndLock(s, tx, space, e1))).toBe(0)
      await s.transaction((tx) => s.setSequence(tx, space, agg, 4))
      expect(await s.transaction((tx) => claimAndLock(s, tx, space, e1))).toBeNull()
      expect(await s.transaction((tx) => claimAndLock(s, tx, space, itemEvent('a', 5)))).toBe(4)
      // A rolled-back claim never happened.
      const e6 = itemEvent('a', 6)
      await s
        .transaction(async (tx) => {
          await claimAndLock(s, tx, space, e6)
          throw new Error('rollback')
        })
        .catch(() => undefined)
      expect(await s.transaction((tx) => claimAndLock(s, tx, space, e6))).toBe(4)
    })

    for (const how of ['lastSequence', 'claimAndLock'] as const) {
      test(`${how}() locks the position: a concurrent delivery waits and reads the committed value`, async () => {
        const s = store()
        const space = ns()
        const read = (tx: Tx) =>
          how === 'lastSequence'
            ? s.lastSequence(tx, space, agg)
            : claimAndLock(s, tx, space, itemEvent('a', 1))
        // The position exists already: a first insert would serialise the two on its own.
        await s.transaction((tx) => s.lastSequence(tx, space, agg))
        await warmUp(s)
        const [holding, rivalStarted] = [signal(), signal()]
        const first = s.transaction(async (tx) => {
          await read(tx)
          holding.fire()
          await rivalStarted.promise
          await letRivalQueue(() => s.lastSequence(tx, space, probe))
          await s.setSequence(tx, space, agg, 5)
        })
        await holding.promise
        const second = s.transaction((tx) => read(tx))
        rivalStarted.fire()
        await first
        expect(await second).toBe(5)
      })
    }

    const chunk = <T>(
      s: ProjectionStore<Tx>,
      space: string,
      events: EventEnvelope[],
      fn: (tx: Tx, claim: ChunkClaim) => Promise<ChunkEnd<T>>,
    ) => chunkTransaction(s, space, events, fn, {})
    const b = { aggregateType: 'item', aggregateId: 'b' }

    test('chunkTransaction() claims each id once, reports positions and parked aggregates, records the sequences it is handed; a throw rolls it all back', async () => {
      const s = store()
      const space = ns()
      await s.transaction(async (tx) => {
        await s.lastSequence(tx, space, agg)
        await s.setSequence(tx, space, agg, 2)
        await s.lastSequence(tx, space, b)
        await s.park(tx, space, { event: itemEvent('b', 3), origin, dead: false, parkedAt: 0 })
      })
      const [a3, b1, a4, a5] = [
        itemEvent('a', 3),
        itemEvent('b', 1),
        itemEvent('a', 4),
        itemEvent('a', 5),
      ]
      const first = await chunk(s, space, [a3, b1], (_, claim) =>
        Promise.resolve({ sequences: [{ aggregate: agg, sequence: 3 }], value: claim }),
      )
      expect([...first.claimed].sort()).toEqual([a3.id, b1.id].sort())
      expect(Object.fromEntries(first.positions)).toEqual({
        [aggregateKey(agg)]: { last: 2, parked: false },
        [aggregateKey(b)]: { last: 0, parked: true },
      })
      const again = await chunk(s, space, [a3, a4], (_, claim) =>
        Promise.resolve({ sequences: [], value: claim }),
      )
      expect([...again.claimed]).toEqual([a4.id])
      expect(again.positions.get(aggregateKey(agg))).toEqual({ last: 3, parked: false })
      await expect(
        chunk(s, space, [a5], () => Promise.reject(new Error('rollback'))),
      ).rejects.toThrow('rollback')
      const after = await chunk(s, space, [a5], (_, claim) =>
        Promise.resolve({ sequences: [], value: claim }),
      )
      expect([...after.claimed]).toEqual([a5.id])
    })

    test('chunkTransaction() checks parked events once its locks are granted: what the previous holder parked shows', async () => {
      const s = store()
      const space = ns()
      await s.transaction((tx) => s.lastSequence(tx, space, agg))
      await warmUp(s)
      const [holding, rivalStarted] = [signal(), signal()]
      const first = s.transaction(async (tx) => {
        await s.lastSequence(tx, space, agg)
        holding.fire()
        await rivalStarted.promise
        await letRivalQueue(() => s.lastSequence(tx, space, probe))
        await s.park(tx, space, { event: itemEvent('a', 3), origin, dead: false, parkedAt: 0 })
      })
      await holding.promise
      const second = chunk(s, space, [itemEvent('a', 1)], (_, claim) =>
        Promise.resolve({ sequences: [], value: claim.positions.get(aggregateKey(agg)) }),
      )
      rivalStarted.fire()
      await first
      expect(await second).toEqual({ last: 0, parked: true })
    })

    test('chunkTransaction() locks positions in one order whatever the events’ order: two chunks do not deadlock', async () => {
      const s = store()
      const space = ns()
      await s.transaction(async (tx) => {
        await s.lastSequence(tx, space, agg)
        await s.lastSequence(tx, space, b)
      })
      await warmUp(s)
      const [holding, rivalStarted] = [signal(), signal()]
      const first = chunk(s, space, [itemEvent('a', 1)], async (tx) => {
        holding.fire()
        await rivalStarted.promise
        await letRivalQueue(() => s.lastSequence(tx, space, probe))
        await s.lastSequence(tx, space, b) // a chunk that locked b before a would hold it now
        return { sequences: [], value: 'first' }
      })
      await holding.promise
      const second = chunk(s, space, [itemEvent('b', 1), itemEvent('a', 2)], () =>
        Promise.resolve({ sequences: [], value: 'second' }),
      )
      rivalStarted.fire()
      expect(await Promise.all([first, second])).toEqual(['first', 'second'])
    })

    test('park() holds one event per slot; takeParked() removes it; listParked() shows the rest', async () => {
      const s = store()
      const space = ns()
      const e2 = itemEvent('a', 2)
      const parked = { event: e2, origin, dead: false, parkedAt: 5 }
      expect(await s.transaction((tx) => s.park(tx, space, parked))).toBe(true)
      expect(
        await s.transaction((tx) => s.park(tx, space, { ...parked, event: itemEvent('a', 2) })),
      ).toBe(false)
      expect((await s.listParked(space)).map((p) => p.event.id)).toEqual([e2.id])
      expect(await s.transaction((tx) => s.takeParked(tx, space, agg, 3))).toBeUndefined()
      const taken = await s.transaction((tx) => s.takeParked(tx, space, agg, 2))
      expect(taken).toEqual(parked)
      expect(await s.listParked(space)).toEqual([])
    })

    test('moveNamespace() replaces the target state with the source state', async () => {
      const s = store()
      const [from, to] = [ns(), ns()]
      const id = itemEvent('a', 1).id
      await s.transaction(async (tx) => {
        await s.claim(tx, from, id)
        await s.lastSequence(tx, from, agg)
        await s.setSequence(tx, from, agg, 7)
        await s.lastSequence(tx, to, agg)
        await s.setSequence(tx, to, agg, 2)
      })
      await s.transaction((tx) => s.moveNamespace(tx, from, to))
      expect(await s.transaction((tx) => s.lastSequence(tx, to, agg))).toBe(7)
      expect(await s.transaction((tx) => s.claim(tx, to, id))).toBe(false)
      expect(await s.transaction((tx) => s.lastSequence(tx, from, agg))).toBe(0)
    })

    test('exclusive() makes transactions that take the lock shared wait until it is released', async () => {
      const s = store()
      const lock = `lock-${ns()}`
      const order: string[] = []
      let release!: () => void
      const held = new Promise<void>((r) => (release = r))
      const exclusive = s.exclusive(lock, async () => {
        order.push('exclusive')
        await held
        order.push('released')
      })
      await waitUntil('the exclusive holder to start', () => order.includes('exclusive'))
      const shared = s.transaction(() => Promise.resolve(order.push('shared')), {
        sharedLock: lock,
      })
      // Sized by work, not time: transactions without the lock commit meanwhile, so the store
      // makes progress while the one that takes it shared still waits.
      for (let done = 0; done < 5; done++) await s.transaction(() => Promise.resolve())
      expect(order).toEqual(['exclusive'])
      release()
      await Promise.all([exclusive, shared])
      expect(order).toEqual(['exclusive', 'released', 'shared'])
    })

    test('isUnavailable() is false for an ordinary handler error', () => {
      expect(store().isUnavailable(new Error('constraint violated'))).toBe(false)
    })
  })
}
