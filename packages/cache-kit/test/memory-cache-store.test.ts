import { describe, expect, test } from 'vitest'
import { createMemoryCacheStore } from '@faultline/cache-kit'
import { cacheStoreContract, createManualClock } from '@faultline/cache-kit/testing'

cacheStoreContract('memory', async () => {
  const clock = createManualClock()
  const store = createMemoryCacheStore({ clock })
  return Promise.resolve({
    store,
    now: () => clock.now(),
    elapse: (ms: number) => Promise.resolve(clock.advance(ms)),
    close: () => store.close(),
  })
})

describe('MemoryCacheStore in a long run', () => {
  test('expired entries, tombstones, leases and tag members of keys never read again are swept', async () => {
    const clock = createManualClock()
    const store = createMemoryCacheStore({ clock })
    const read = { now: clock.now(), leaseOwner: 'me', leaseTtlMs: 100, ticketTtlMs: 60_000 }
    const sizes: number[] = []
    for (let round = 0; round < 20; round += 1) {
      for (let index = 0; index < 500; index += 1) {
        const key = `r${round}:k${index}`
        const tags = [`tag${index % 7}`]
        const { ticket } = await store.read(key, { ...read, tags, now: clock.now() })
        const now = clock.now()
        const entry = {
          payload: '1',
          freshUntil: now + 50,
          refreshAt: now + 50,
          graceUntil: now + 50,
          tags,
        }
        await store.fill(ticket, entry, { ttlMs: 100 })
        await store.invalidate(`${key}:other`, { mode: 'force', tombstoneTtlMs: 100 })
      }
      clock.advance(1_000) // everything written this round has expired
      sizes.push(store.size)
    }
    // About one round's worth is alive at most (swept every 1,024 writes), never all 20 rounds'.
    expect(Math.max(...sizes)).toBeLessThan(4 * 500 * 3)
    expect(sizes.at(-1)).toBeLessThan(4 * 500 * 3)
  })
})
