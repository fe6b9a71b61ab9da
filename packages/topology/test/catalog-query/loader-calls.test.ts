import { afterEach, describe, expect, test } from 'vitest'
import {
  createCache,
  createMemoryBusHub,
  createMemoryCacheStore,
  type ReadThroughCache,
} from '@faultline/cache-kit'
import { createServiceApp, type ServiceApp } from '../../src/index.js'
import { registerLoaderCallRoutes } from '../../src/services/catalog-query/loader-call-routes.js'
import {
  countLoaderCalls,
  LoaderCalls,
  MAX_COUNTED_PRODUCTS,
} from '../../src/services/catalog-query/loader-calls.js'

const open: { close(): Promise<unknown> }[] = []

afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()))
})

function memoryCache(): ReadThroughCache {
  const cache = createCache({
    store: createMemoryCacheStore(),
    bus: createMemoryBusHub().createBus(),
    l1: { maxEntries: 100 },
    ttlMs: 60_000,
  })
  open.push(cache)
  return cache
}

/** A loader that takes its time, so concurrent misses overlap it. */
function slowLoader(value: string): () => Promise<string> {
  return () => new Promise((resolve) => setTimeout(() => resolve(value), 20))
}

async function routesApp(calls: LoaderCalls, testHooks: boolean): Promise<ServiceApp> {
  const service = await createServiceApp({ service: 'catalog-query', logLevel: 'silent' })
  registerLoaderCallRoutes(service.app, { instance: 'catalog-query-1', calls, testHooks })
  open.push({ close: () => service.app.close() })
  return service
}

describe('countLoaderCalls', () => {
  test('counts each loader call under its product id: a herd on a cold key is one call, pages are not counted', async () => {
    const calls = new LoaderCalls()
    const cache = countLoaderCalls(memoryCache(), calls)
    await Promise.all(
      Array.from({ length: 20 }, () => cache.getOrLoad('product:a', slowLoader('A'))),
    )
    await cache.getOrLoad('product:a', slowLoader('A'))
    await cache.getOrLoad('page:books::20', slowLoader('page'))
    const loaded = await cache.getManyOrLoad(['product:a', 'product:b', 'product:c'], (keys) =>
      Promise.resolve(new Map(keys.map((key) => [key, key]))),
    )
    expect(loaded.get('product:b')).toBe('product:b')
    expect(calls.report(100)).toMatchObject({
      products: { a: 1, b: 1, c: 1 },
      productCount: 3,
      truncated: false,
    })
  })

  test('with the cache bypassed (the test hook) every read of a product calls its loader', async () => {
    const calls = new LoaderCalls()
    calls.bypassCache = true
    const cache = countLoaderCalls(memoryCache(), calls)
    const values = await Promise.all(
      Array.from({ length: 20 }, () => cache.getOrLoad('product:a', slowLoader('A'))),
    )
    expect(values).toEqual(Array.from({ length: 20 }, () => 'A'))
    const many = await cache.getManyOrLoad(['product:a'], (keys) =>
      Promise.resolve({ [keys[0]!]: 'A' }),
    )
    expect(many.get('product:a')).toBe('A')
    expect(calls.report(10).products).toEqual({ a: 21 })
  })

  test('memory is bounded: past the bound, calls on new products make every report truncated', () => {
    const calls = new LoaderCalls()
    for (let id = 0; id < MAX_COUNTED_PRODUCTS; id++) calls.count([`product:${id}`])
    expect(calls.report(MAX_COUNTED_PRODUCTS).truncated).toBe(false)
    calls.count(['product:one-too-many', 'product:0'])
    const report = calls.report(MAX_COUNTED_PRODUCTS)
    expect(report).toMatchObject({ productCount: MAX_COUNTED_PRODUCTS, truncated: true })
    expect(report.products['0']).toBe(2)
    expect(report.products['one-too-many']).toBeUndefined()
  })
})

describe('GET /ops/loader-calls', () => {
  test('reports the counts with the boot id, only products with calls, capped by limit with a flag', async () => {
    const calls = new LoaderCalls()
    calls.count(['product:a', 'product:b', 'product:a', 'page:books::20'])
    const service = await routesApp(calls, false)
    const all = await service.app.inject({ method: 'GET', url: '/ops/loader-calls' })
    expect(all.statusCode).toBe(200)
    expect(all.json()).toEqual({
      service: 'catalog-query',
      instance: 'catalog-query-1',
      bootId: calls.bootId,
      products: { a: 2, b: 1 },
      productCount: 2,
      truncated: false,
    })
    const capped = await service.app.inject({ method: 'GET', url: '/ops/loader-calls?limit=1' })
    expect(capped.json()).toMatchObject({ products: { a: 2 }, productCount: 2, truncated: true })
    const refused = await service.app.inject({ method: 'GET', url: '/ops/loader-calls?limit=0' })
    expect(refused.statusCode).toBe(400)
  })

  test('the bypass hook exists only with testHooks, and switches the bypass both ways', async () => {
    const calls = new LoaderCalls()
    const plain = await routesApp(calls, false)
    const body = { bypassCache: true }
    expect(
      (await plain.app.inject({ method: 'POST', url: '/ops/test/load', body })).statusCode,
    ).toBe(404)
    const hooked = await routesApp(calls, true)
    const on = await hooked.app.inject({ method: 'POST', url: '/ops/test/load', body })
    expect(on.json()).toEqual({ bypassCache: true })
    expect(calls.bypassCache).toBe(true)
    await hooked.app.inject({
      method: 'POST',
      url: '/ops/test/load',
      body: { bypassCache: false },
    })
    expect(calls.bypassCache).toBe(false)
    const bad = await hooked.app.inject({ method: 'POST', url: '/ops/test/load', body: {} })
    expect(bad.statusCode).toBe(400)
  })
})
