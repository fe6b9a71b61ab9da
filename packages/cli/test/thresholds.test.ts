import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { ENGINE_METRICS } from '../src/core/metrics/catalog.js'
import { MetricsRegistry } from '../src/core/metrics/registry.js'
import { compileThresholds, evaluateThresholds } from '../src/core/thresholds.js'
import { createRandom } from '../src/core/random.js'
import { resolveSchedule } from '../src/core/schedule.js'
import { defineScenario, resolveScenario } from '@faultline/scenarios'

function registry(): MetricsRegistry {
  const metrics = new MetricsRegistry()
  for (const declaration of ENGINE_METRICS) metrics.declare(declaration, 'engine')
  metrics.declare({ name: 'stale_reads', type: 'counter', description: 'x' }, 'checker:staleness')
  return metrics
}

const choices = { workload: ['readers'], op: ['read-product', 'write-product'] }

describe('thresholds', () => {
  test('p(N) on a trend compares against the HdrHistogram percentile in ms', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5_000_000 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 99 }),
        (samples, p) => {
          const metrics = registry()
          for (const us of samples)
            metrics.add('http_req_duration', us, { workload: 'readers', op: 'read-product' })
          const sorted = [...samples].sort((a, b) => a - b)
          const exact =
            (sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number) / 1000
          const compiled = compileThresholds(
            { 'http_req_duration{op:read-product}': [`p(${p})<=${exact * 1.001 + 0.001}`] },
            metrics,
            choices,
          )
          const [result] = evaluateThresholds(compiled, metrics, 1000)
          // HdrHistogram keeps 3 significant digits: within 0.1% of the exact order statistic.
          expect(result?.ok).toBe(true)
          expect(Math.abs((result?.actual as number) - exact)).toBeLessThanOrEqual(
            exact * 0.001 + 0.001,
          )
        },
      ),
    )
  })

  test('count, rate and tag filters evaluate as in k6', () => {
    const metrics = registry()
    metrics.add('http_req_failed', 1, { workload: 'readers', op: 'write-product' })
    metrics.add('http_req_failed', 0, { workload: 'readers', op: 'read-product' })
    metrics.add('http_req_failed', 0, { workload: 'readers', op: 'read-product' })
    metrics.add('stale_reads', 0)
    const compiled = compileThresholds(
      {
        'http_req_failed{op:read-product}': ['rate==0'],
        http_req_failed: ['rate<0.3'],
        stale_reads: ['count==0'],
      },
      metrics,
      choices,
    )
    expect(
      evaluateThresholds(compiled, metrics, 1000).map((r) => [r.metric, r.ok, r.actual]),
    ).toEqual([
      ['http_req_failed{op:read-product}', true, 0],
      ['http_req_failed', false, 1 / 3],
      ['stale_reads', true, 0],
    ])
  })

  test('a trend without samples fails with "no samples" (never a silent pass)', () => {
    const metrics = registry()
    const [result] = evaluateThresholds(
      compileThresholds({ http_req_duration: ['p(99)<50'] }, metrics, choices),
      metrics,
      1000,
    )
    expect(result).toMatchObject({ ok: false, reason: 'no samples' })
  })

  test('unknown metrics, tags, tag values and aggregations are refused naming the choices', () => {
    expect(() =>
      compileThresholds({ http_req_duraton: ['p(99)<50'] }, registry(), choices),
    ).toThrow(/no metric 'http_req_duraton'; the metrics are: .*http_req_duration/)
    expect(() =>
      compileThresholds({ 'http_req_duration{op:read}': ['p(99)<50'] }, registry(), choices),
    ).toThrow(/no op 'read' in this run; use one of: read-product, write-product/)
    expect(() =>
      compileThresholds({ 'http_req_duration{host:a}': ['p(99)<50'] }, registry(), choices),
    ).toThrow(/has no tag 'host'; its tags are: workload, op/)
    expect(() => compileThresholds({ stale_reads: ['p(99)<50'] }, registry(), choices)).toThrow(
      /a counter does not have; use one of: count, rate/,
    )
  })
})

describe('resolveSchedule', () => {
  const scenario = resolveScenario(
    defineScenario({
      name: 's',
      description: 'd',
      guarantees: ['C1'],
      topology: { replicas: { 'catalog-query': 3 } },
      load: [
        {
          name: 'r',
          model: 'open',
          stages: [{ target: 1, duration: '60s' }],
          maxInFlight: 1,
          operations: [{ op: 'read-product' }],
        },
      ],
      faults: [
        {
          kind: 'kill',
          target: 'catalog-query',
          instance: 'any',
          within: ['1s', '50s'],
          duration: '2s',
        },
        {
          kind: 'pause',
          target: 'redis',
          within: ['5s', '30s'],
          duration: '1s',
          repeat: { every: '10s', times: 2 },
        },
        { kind: 'latency', link: 'catalog-query->redis', at: '3s', latency: '50ms' },
      ],
      smoke: { duration: '30s' },
    }),
  )

  test('the same seed always gives the same schedule; windows and instances stay in range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
        const first = resolveSchedule(scenario, createRandom(seed))
        expect(resolveSchedule(scenario, createRandom(seed))).toEqual(first)
        const kill = first.find((f) => f.kind === 'kill')
        expect(kill?.startMs).toBeGreaterThanOrEqual(1000)
        expect(kill?.startMs).toBeLessThanOrEqual(50_000)
        expect(kill?.target).toMatch(/^catalog-query#[012]$/)
        expect(first.map((f) => f.startMs)).toEqual(
          [...first.map((f) => f.startMs)].sort((a, b) => a - b),
        )
        expect(first.every((f) => f.endMs <= 60_000)).toBe(true)
      }),
    )
  })

  test('different seeds give different schedules', () => {
    const starts = new Set(
      Array.from({ length: 20 }, (_, seed) =>
        JSON.stringify(resolveSchedule(scenario, createRandom(seed)).map((f) => f.startMs)),
      ),
    )
    expect(starts.size).toBeGreaterThan(15)
  })
})
