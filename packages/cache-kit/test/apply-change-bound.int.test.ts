import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startRedis, type RedisHandle } from '@faultline/infra'
import { createCache, isCacheKitError, type CacheStore } from '@faultline/cache-kit'
import { createRedisBus, createRedisStore } from '@faultline/cache-kit/redis'
import { deferred } from './fixtures/race.js'

const WRITERS = 10
const BUS_TIMEOUT_MS = 300
/**
 * How long Redis stays paused at most. Far longer than the bound, so a writer that waited out the
 * stall (the defect) settles only after the resume, however slow the machine is.
 */
const PAUSE_MS = 60_000

let redis: RedisHandle
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis?.resume().catch(() => undefined)
  await redis?.stop()
})

/**
 * Wraps the Redis store so that Redis is paused (SIGSTOP) right after the last of `writers`
 * tombstones is written: every writer then publishes to a server that does not answer.
 */
function pauseAfterTombstones(inner: CacheStore, writers: number) {
  const paused = deferred()
  let written = 0
  const store: CacheStore = {
    peek: (key) => inner.peek(key),
    read: (key, options) => inner.read(key, options),
    fill: (ticket, entry, options) => inner.fill(ticket, entry, options),
    invalidate: async (key, request) => {
      const result = await inner.invalidate(key, request)
      written += 1
      if (written === writers) await redis.pause().then(() => paused.resolve())
      await paused.promise
      return result
    },
    invalidateTags: (tags, ttl) => inner.invalidateTags(tags, ttl),
    releaseLease: (key, owner) => inner.releaseLease(key, owner),
    close: () => inner.close(),
  }
  return { store, paused: paused.promise }
}

describe('applyChange() while Redis stalls after the tombstone is written', () => {
  test(`rejects retryably within busTimeoutMs instead of waiting out the stall (${WRITERS} writers)`, async () => {
    const inner = createRedisStore({ url: redis.url })
    const bus = createRedisBus({ url: redis.url })
    const { store, paused } = pauseAfterTombstones(inner, WRITERS)
    const cache = createCache({ store, bus, storeTimeoutMs: 5_000, busTimeoutMs: BUS_TIMEOUT_MS })
    await cache.ready()
    let pausedAt = 0
    void paused.then(() => (pausedAt = performance.now()))
    const settled = Array.from({ length: WRITERS }, (_, index) =>
      cache.applyChange({ key: `w${index}`, version: 2 }).then(
        () => ({ ok: true as const, at: performance.now() }),
        (error: unknown) => ({ ok: false as const, at: performance.now(), error }),
      ),
    )
    await paused
    // Keep Redis paused until every writer settled or PAUSE_MS passed, whichever is first.
    const all = Promise.all(settled)
    let timer: NodeJS.Timeout | undefined
    const gaveUp = new Promise((resolve) => (timer = setTimeout(resolve, PAUSE_MS)))
    await Promise.race([all, gaveUp])
    clearTimeout(timer)
    const resumedAt = performance.now()
    await redis.resume()
    const outcomes = await all
    const waited = outcomes.map((outcome) => Math.round(outcome.at - pausedAt))
    const afterResume = outcomes.filter((outcome) => outcome.at >= resumedAt).length
    console.log(
      `applyChange with Redis paused after the tombstone (busTimeoutMs ${BUS_TIMEOUT_MS}, pause up to ${PAUSE_MS} ms): ` +
        `waited ${waited.join(',')} ms after the pause; ` +
        `rejected ${outcomes.filter((outcome) => !outcome.ok).length}/${WRITERS}, settled only after the resume: ${afterResume}`,
    )
    // The condition, not a wall-clock bound: every writer settled while Redis was still paused.
    expect(afterResume).toBe(0)
    // No writer settled before its bus timeout could have fired.
    expect(waited.filter((ms) => ms < BUS_TIMEOUT_MS - 50)).toStrictEqual([])
    for (const outcome of outcomes) {
      expect(outcome.ok).toBe(false)
      const error = outcome.ok ? undefined : outcome.error
      expect(isCacheKitError(error) && error.code).toBe('E_CACHE_BUS_UNAVAILABLE')
      expect(isCacheKitError(error) && error.retryable).toBe(true)
    }
    // Once Redis answers, the caller's retry is acknowledged (an idempotent replay of the change).
    for (let index = 0; index < WRITERS; index += 1) {
      expect(await cache.applyChange({ key: `w${index}`, version: 2 })).toMatchObject({
        watermark: { version: 2 },
      })
    }
    await cache.close()
    await bus.close()
    await inner.close()
  }, 180_000)
})
