import { describe, expect, test } from 'vitest'
import { LocalFence } from '../src/local-fence.js'

describe('LocalFence', () => {
  test('a ticket is void once it is as old as the tombstone TTL, though the tombstone it predates has expired', async () => {
    let now = 1_000
    const fence = new LocalFence({
      maxTombstones: 100,
      tombstoneTtlMs: 50,
      onOverflow: () => {},
      now: () => now,
    })
    const early = fence.ticket('k', [])
    fence.invalidateKey('k', { version: 2 })
    expect(fence.isCurrent('k', early)).toBe(false)
    now += 60
    // The tombstone is gone: its generation reads 0 again, exactly what `early` recorded.
    while (fence.watermark('k').version !== undefined)
      await new Promise((resolve) => setImmediate(resolve))
    expect(fence.ticket('k', []).generation).toBe(early.generation)
    expect(fence.isCurrent('k', early)).toBe(false)
    // A ticket taken now is good until its own deadline.
    const late = fence.ticket('k', [])
    expect(fence.isCurrent('k', late)).toBe(true)
    now += 49
    expect(fence.isCurrent('k', late)).toBe(true)
    now += 1
    expect(fence.isCurrent('k', late)).toBe(false)
  })
})
