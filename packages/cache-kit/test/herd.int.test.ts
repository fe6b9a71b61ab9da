import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startRedis, type RedisHandle } from '@faultline/infra'
import { createCache } from '@faultline/cache-kit'
import { createRedisStore, type RedisStore } from '@faultline/cache-kit/redis'
import { herdLoad, markFired, naiveHerdRead, spawnHerdChild } from './fixtures/herd.js'

const PER_PROCESS = 500

let redis: RedisHandle
let store: RedisStore
beforeAll(async () => {
  redis = await startRedis()
  store = createRedisStore({ url: redis.url })
})
afterAll(async () => {
  await store?.close()
  await redis?.stop()
})

interface ChildReport {
  loaderCalls: number
  ok: number
  errors: number
}

/** Runs PER_PROCESS calls here and PER_PROCESS in a child, released together. */
async function herd(
  mode: 'kit' | 'naive',
  key: string,
  local: (loader: () => Promise<unknown>) => Promise<unknown>,
) {
  const child = spawnHerdChild([mode, redis.url, key, String(PER_PROCESS)])
  await child.next('ready')
  let loaderCalls = 0
  const loader = async (): Promise<unknown> => {
    loaderCalls += 1
    return herdLoad(store.client, key)
  }
  child.send('go')
  const all = Promise.allSettled(Array.from({ length: PER_PROCESS }, () => local(loader)))
  await markFired(store.client, key)
  const results = await all
  const report = JSON.parse(await child.next('{')) as ChildReport
  const errors = results.filter((result) => result.status === 'rejected').length + report.errors
  return { loaderCalls: loaderCalls + report.loaderCalls, errors }
}

describe('ReadThroughCache herd across two processes', () => {
  test(`${2 * PER_PROCESS} concurrent getOrLoad on a cold key in two processes make exactly one loader call`, async () => {
    const cache = createCache({ store })
    const kit = await herd('kit', 'herd:kit', (loader) => cache.getOrLoad('herd:kit', loader))
    const naive = await herd('naive', 'herd:naive', (loader) =>
      naiveHerdRead(store.client, 'herd:naive', loader),
    )
    console.log(
      `herd x${2 * PER_PROCESS} over 2 processes: cache-kit loader calls=${kit.loaderCalls} errors=${kit.errors}; naive (single-flight, no lease) loader calls=${naive.loaderCalls}`,
    )
    expect(naive.loaderCalls).toBe(2)
    expect(kit.errors).toBe(0)
    expect(kit.loaderCalls).toBe(1)
  })

  test('when the lease holder dies, another caller takes over after the lease TTL', async () => {
    const key = 'herd:holder-dies'
    const child = spawnHerdChild(['hold', redis.url, key, '1'])
    await child.next('ready')
    child.send('go')
    await child.next('loading') // the child holds the lease now
    child.process.kill('SIGKILL')
    const leaseTtlMs = 800
    // The wait bound is far beyond the test timeout: only the lapse of the dead holder's lease
    // (not giving up on waiting) can let this caller load in time.
    const cache = createCache({ store, leaseTtlMs, leaseWaitMs: 600_000, hardTimeoutMs: 60_000 })
    let calls = 0
    const started = performance.now()
    const value = await cache.getOrLoad(key, () => ((calls += 1), { loadedBy: 'taker' }))
    const waitedMs = performance.now() - started
    console.log(
      `lease takeover after holder SIGKILL: waited ${waitedMs.toFixed(0)} ms (lease TTL ${leaseTtlMs} ms), loader calls=${calls}`,
    )
    expect(value).toStrictEqual({ loadedBy: 'taker' })
    expect(calls).toBe(1)
  }, 30_000)
})
