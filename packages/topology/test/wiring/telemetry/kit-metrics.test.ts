import { createCache, createMemoryCacheStore } from '@faultline/cache-kit'
import type { SagaEvent } from '@faultline/saga-kit'
import type { RelayStats, SlotMetrics } from '@faultline/sync-kit'
import { Registry } from 'prom-client'
import { describe, expect, test } from 'vitest'
import {
  cacheMetricsHook,
  checkMetricName,
  consumerMetricsListener,
  counterFrom,
  gaugeFrom,
  registerCacheGauges,
  registerConsumerLag,
  registerRelayMetrics,
  registerSagaStateGauge,
  sagaMetricsListener,
} from '../../../src/wiring/telemetry/index.js'

function value(text: string, series: string): number | undefined {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${series} `) || l.startsWith(series.replace(/}$/, ',')))
  return line === undefined ? undefined : Number(line.split(' ').at(-1))
}

const relayStats = (published: number, lagMs?: number): RelayStats => ({
  receivedEvents: published,
  publishedEvents: published,
  queuedEvents: 2,
  publishFailures: 1,
  rejectedEvents: 0,
  reconnects: 0,
  ackedLsn: '0/1',
  broker: { endpoint: undefined, reachable: true, lastError: undefined },
  heartbeatLagMs: lagMs,
})

describe('kit metrics on prom-client', () => {
  test('a real cache-kit cache feeds hits, misses, fills and the hit ratio', async () => {
    const registry = new Registry()
    const cache = createCache({
      store: createMemoryCacheStore(),
      l1: {},
      metrics: cacheMetricsHook(registry, { cache: 'product' }),
    })
    registerCacheGauges(registry, { cache: 'product', stats: () => cache.stats() })
    const load = () => Promise.resolve({ name: 'x' })
    await cache.getOrLoad('product:1', load)
    await cache.getOrLoad('product:1', load)
    await cache.getOrLoad('product:1', load)
    const text = await registry.metrics()
    expect(value(text, 'cache_misses_total{cache="product"}')).toBe(1)
    expect(value(text, 'cache_hits_total{cache="product",tier="l1"}')).toBe(2)
    expect(value(text, 'cache_hit_ratio{cache="product"}')).toBeCloseTo(2 / 3)
    expect(value(text, 'cache_load_duration_seconds_count{cache="product"}')).toBe(1)
    expect(value(text, 'cache_store_up{cache="product"}')).toBe(1)
    await cache.close()
  })

  test('saga events become transitions, step outcomes and step latency in seconds', async () => {
    const registry = new Registry()
    const onEvent = sagaMetricsListener(registry)
    const base = { sagaId: 's1', sagaName: 'order' }
    const events: SagaEvent[] = [
      { type: 'saga:started', ...base },
      {
        type: 'step:completed',
        ...base,
        step: 'reserve',
        direction: 'invoke',
        attempt: 1,
        latencyMs: 40,
      },
      {
        type: 'step:failed',
        ...base,
        step: 'charge',
        direction: 'invoke',
        attempt: 3,
        latencyMs: 90,
      },
      { type: 'saga:compensated', ...base, durationMs: 1500 },
      { type: 'message:dead-lettered', reason: 'unparseable' },
    ]
    events.forEach(onEvent)
    registerSagaStateGauge(registry, () =>
      Promise.resolve([{ saga: 'order', state: 'COMPENSATED', count: 1 }]),
    )
    const text = await registry.metrics()
    expect(value(text, 'saga_transitions_total{saga="order",state="started"}')).toBe(1)
    expect(
      value(
        text,
        'saga_steps_total{saga="order",step="charge",direction="invoke",outcome="failed"}',
      ),
    ).toBe(1)
    expect(
      value(text, 'saga_step_duration_seconds_sum{saga="order",step="reserve",direction="invoke"}'),
    ).toBeCloseTo(0.04)
    expect(
      value(text, 'saga_duration_seconds_sum{saga="order",outcome="compensated"}'),
    ).toBeCloseTo(1.5)
    expect(value(text, 'saga_dead_letters_total')).toBe(1)
    expect(value(text, 'saga_instances{saga="order",state="COMPENSATED"}')).toBe(1)
  })

  test('consumer events, dead letters and lag per partition', async () => {
    const registry = new Registry()
    const onEvent = consumerMetricsListener(registry, { consumer: 'search' })
    const origin = { topic: 't', partition: 0, offset: '1' }
    onEvent({ type: 'consumer:applied', eventId: 'e1', origin })
    onEvent({
      type: 'consumer:dead-lettered',
      origin,
      code: 'E_SYNC_HANDLER_FAILED',
      reason: 'x',
      eventId: 'e2',
      delivery: 'whole',
      attempts: 5,
    })
    registerConsumerLag(registry, {
      consumer: 'search',
      read: () =>
        Promise.resolve([
          { topic: 'catalog', partition: 3, endOffset: '10', position: '4', lag: 6 },
        ]),
    })
    const text = await registry.metrics()
    expect(value(text, 'consumer_events_total{consumer="search",outcome="applied"}')).toBe(1)
    expect(value(text, 'consumer_dead_letters_total{consumer="search"}')).toBe(1)
    expect(
      value(text, 'consumer_lag_messages{consumer="search",topic="catalog",partition="3"}'),
    ).toBe(6)
  })

  test('relay counters follow the cumulative stats; lag and retained WAL in base units', async () => {
    const registry = new Registry()
    let stats = relayStats(10, 250)
    const slot: SlotMetrics = {
      slot: 'catalog_relay',
      exists: true,
      active: true,
      activePid: 1,
      plugin: 'pgoutput',
      confirmedFlushLsn: '0/1',
      restartLsn: '0/1',
      retainedWalBytes: 16_777_216n,
      walStatus: 'reserved',
      database: 'catalog',
      sameDatabase: true,
      retainedWalWarning: false,
    }
    registerRelayMetrics(registry, {
      relay: 'catalog',
      stats: () => stats,
      slot: () => Promise.resolve(slot),
    })
    let text = await registry.metrics()
    expect(value(text, 'relay_published_events_total{relay="catalog"}')).toBe(10)
    expect(value(text, 'relay_lag_seconds{relay="catalog"}')).toBe(0.25)
    expect(value(text, 'relay_retained_wal_bytes{relay="catalog",slot="catalog_relay"}')).toBe(
      16_777_216,
    )
    stats = relayStats(25)
    text = await registry.metrics()
    expect(value(text, 'relay_published_events_total{relay="catalog"}')).toBe(25)
    expect(value(text, 'relay_lag_seconds{relay="catalog"}')).toBeUndefined()
    stats = relayStats(3) // the relay object was recreated: its series restarts
    text = await registry.metrics()
    expect(value(text, 'relay_published_events_total{relay="catalog"}')).toBe(3)
  })

  test('two sources feed one derived metric', async () => {
    const registry = new Registry()
    const spec = { name: 'x_total', help: 'x', labelNames: ['n'] }
    counterFrom(registry, spec, () => [{ labels: { n: 'a' }, value: 1 }])
    counterFrom(registry, spec, () => [{ labels: { n: 'b' }, value: 2 }])
    const text = await registry.metrics()
    expect([value(text, 'x_total{n="a"}'), value(text, 'x_total{n="b"}')]).toEqual([1, 2])
  })

  test('a failing source keeps its last values and is counted (from the next scrape on)', async () => {
    const registry = new Registry()
    let fail = false
    const read = () => (fail ? Promise.reject(new Error('db down')) : [{ labels: {}, value: 7 }])
    gaugeFrom(registry, { name: 'g', help: 'g' }, read)
    expect(value(await registry.metrics(), 'g')).toBe(7)
    fail = true
    expect(value(await registry.metrics(), 'g')).toBe(7)
    expect(value(await registry.metrics(), 'metrics_collect_failures_total{metric="g"}')).toBe(1)
  })

  test('a source that never answers does not hang the scrape', async () => {
    const registry = new Registry()
    gaugeFrom(registry, { name: 'hung', help: 'h' }, () => new Promise(() => undefined))
    const started = Date.now()
    await registry.metrics()
    expect(Date.now() - started).toBeLessThan(10_000)
    const text = await registry.metrics()
    expect(value(text, 'metrics_collect_failures_total{metric="hung"}')).toBeGreaterThanOrEqual(1)
  })

  test('every metric the helpers create follows Prometheus naming', async () => {
    const registry = new Registry()
    cacheMetricsHook(registry, { cache: 'c' }).increment('cache_fill_rejected_total', {
      reason: 'stale',
    })
    sagaMetricsListener(registry)
    consumerMetricsListener(registry, { consumer: 'c' })
    registerRelayMetrics(registry, { relay: 'r', stats: () => relayStats(1, 5) })
    const text = await registry.metrics()
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] ?? '', m[2] ?? ''])
    expect(types.length).toBeGreaterThan(8)
    for (const [name = '', type] of types) {
      expect(name).toMatch(/^[a-z_][a-z0-9_]*$/)
      expect(name.endsWith('_total')).toBe(type === 'counter')
      expect(name).not.toMatch(/_(ms|milliseconds)$/)
      if (type === 'histogram') expect(name).toMatch(/_(seconds|bytes)$/)
    }
  })

  test.each([
    ['a counter without _total', 'requests', 'counter'],
    ['a gauge with _total', 'lag_total', 'gauge'],
    ['milliseconds', 'latency_ms', 'gauge'],
    ['a histogram without a unit', 'latency', 'histogram'],
    ['camelCase', 'cacheHits_total', 'counter'],
  ] as const)('checkMetricName() refuses %s', (_name, metric, kind) => {
    expect(() => checkMetricName(metric, kind)).toThrow(/metric/)
  })
})
