import { describe, expect, test } from 'vitest'
import {
  defineScenario,
  resolveScenario,
  ScenarioError,
  validateScenario,
  type ScenarioInput,
} from '../src/index.js'

const base: ScenarioInput = {
  name: 'read-storm',
  description: 'Reads stay fast while writes invalidate.',
  guarantees: ['C2'],
  load: [
    {
      name: 'readers',
      model: 'open',
      startRate: 10,
      stages: [
        { target: 100, duration: '10s' },
        { target: 100, duration: '20s' },
      ],
      maxInFlight: 50,
      operations: [{ op: 'read-product', weight: 9 }, { op: 'write-product' }],
    },
  ],
  faults: [{ kind: 'pause', target: 'redis', within: ['5s', '20s'], duration: '3s' }],
  checks: ['staleness'],
  thresholds: { 'http_req_duration{op:read-product}': ['p(99)<50'], stale_reads: ['count==0'] },
}

function problemsOf(input: unknown): string[] {
  try {
    validateScenario(input)
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError)
    return [...((error as ScenarioError).context.problems ?? [])]
  }
  throw new Error('expected the scenario to be refused')
}

describe('defineScenario', () => {
  test('accepts a valid scenario and brands it', () => {
    expect(defineScenario(base).kind).toBe('faultline.scenario')
  })

  test('refuses an unknown operation naming the valid choices', () => {
    const load = [{ ...base.load[0], operations: [{ op: 'read-prodct' }] }]
    const [problem] = problemsOf({ ...base, load })
    expect(problem).toContain("load[0].operations[0].op: 'read-prodct' is not a built-in operation")
    expect(problem).toContain('read-product, read-products')
    expect(problem).toContain('give run: for a custom one')
  })

  test('accepts a custom operation given as a function', () => {
    const run = () => Promise.resolve({ type: 'ok' as const })
    const load = [{ ...base.load[0], operations: [{ op: 'my-checkout', run }] }]
    expect(() => defineScenario({ ...base, load } as ScenarioInput)).not.toThrow()
  })

  test('refuses an unknown fault target and kind naming the valid choices', () => {
    const problems = problemsOf({
      ...base,
      faults: [
        { kind: 'kill', target: 'mysql', at: '1s' },
        { kind: 'explode', target: 'redis', at: '1s' },
        { kind: 'latency', link: 'catalog-query->memcached', at: '1s', latency: '100ms' },
      ],
    })
    expect(problems[0]).toMatch(
      /faults\[0\]\.target: 'mysql' is not a known process; use one of: postgres, postgres-replica, redis, kafka, auth/,
    )
    expect(problems[1]).toMatch(
      /faults\[1\]\.kind: 'explode' is not a known fault kind; use one of: kill, pause, restart, scale, latency/,
    )
    expect(problems[2]).toMatch(/faults\[2\]\.link \(to\): 'memcached' is not a known link end/)
  })

  test('refuses a herd without readers, on a product the topology does not seed, or with a target', () => {
    const problems = problemsOf({
      ...base,
      topology: { products: 5 },
      faults: [
        { kind: 'herd', at: '1s' },
        { kind: 'herd', at: '1s', readers: 5_000, product: 5 },
        { kind: 'herd', target: 'redis', at: '1s', readers: 5 },
      ],
    })
    expect(problems).toEqual([
      'faults[0].readers: is required for a herd fault: how many concurrent reads, e.g. 100',
      expect.stringMatching(/^faults\[1\]\.readers: 5000 .*1000/),
      expect.stringMatching(/^faults\[1\]\.product: 5 .*4/),
      expect.stringMatching(/^faults\[2\]\.target: is not a field here/),
    ])
  })

  test('lists every problem at once, each with its field', () => {
    const problems = problemsOf({
      ...base,
      name: 'Read Storm',
      guarantees: ['Z9'],
      load: [{ ...base.load[0], maxInFlight: 0, stages: [{ target: 5, duration: '10 seconds' }] }],
      thresholds: { 'http_req_duration{op}': ['p(99)<50'], stale_reads: ['count = 0'] },
    })
    const text = problems.join('\n')
    expect(text).toContain("name: 'Read Storm' must be lower-case words joined by hyphens")
    expect(text).toContain("guarantees[0]: 'Z9' is not a known guarantee id; use one of: C1")
    expect(text).toContain('load[0].maxInFlight: 0 must be an integer of at least 1')
    expect(text).toContain("load[0].stages[0].duration: '10 seconds' has an unreadable part")
    expect(text).toContain("tag 'op' is not name:value")
    expect(text).toContain("'count = 0' is not a threshold")
  })

  test('refuses a fault that starts after the load ends', () => {
    const [problem] = problemsOf({
      ...base,
      faults: [{ kind: 'kill', target: 'kafka', at: '45s' }],
    })
    expect(problem).toContain('faults[0]: may start at 45s, not before the load ends at 30s')
  })

  test('refuses a restart with a duration, and at together with within', () => {
    const problems = problemsOf({
      ...base,
      faults: [
        { kind: 'restart', target: 'kafka', at: '5s', duration: '2s' },
        { kind: 'kill', target: 'kafka', at: '5s', within: ['1s', '2s'] },
      ],
    })
    expect(problems.join('\n')).toContain("a restart is instant; use kind: 'kill' with a duration")
    expect(problems.join('\n')).toContain('give exactly one of at')
  })

  test('refuses a misspelled field naming the fields', () => {
    const [problem] = problemsOf({ ...base, treshold: {} })
    expect(problem).toContain('scenario.treshold: is not a field here; the fields are: kind, name')
  })

  test('requires a smoke variant of at most 60s', () => {
    const long = {
      ...base,
      load: [{ ...base.load[0], stages: [{ target: 5, duration: '2m' }] }],
      faults: [],
    }
    expect(problemsOf(long)[0]).toContain(
      "smoke: is missing and the load lasts 2m; add smoke: { duration: '30s' }",
    )
    expect(problemsOf({ ...long, smoke: { duration: '90s' } })[0]).toContain(
      'a smoke variant must fit in 60s',
    )
    expect(() => validateScenario({ ...long, smoke: { duration: '30s' } })).not.toThrow()
  })
})

describe('resolveScenario', () => {
  const scenario = defineScenario({ ...base, smoke: { duration: '15s', rate: 20 } })

  test('fills defaults and turns durations into ms', () => {
    const resolved = resolveScenario(scenario)
    const readers = resolved.workloads[0]
    expect(readers).toMatchObject({
      model: 'open',
      timeUnitMs: 1000,
      maxBacklog: 500,
      timeoutMs: 10_000,
      durationMs: 30_000,
    })
    expect(resolved.faults[0]).toMatchObject({
      kind: 'pause',
      target: 'redis',
      withinMs: [5000, 20_000],
      durationMs: 3000,
    })
    expect(resolved.checks).toEqual([{ name: 'staleness', options: {} }])
    expect(resolved.loadDurationMs).toBe(30_000)
  })

  test('--smoke scales times and rates by one factor each', () => {
    const resolved = resolveScenario(scenario, { smoke: true })
    const readers = resolved.workloads[0]
    if (readers?.model !== 'open') throw new Error('open expected')
    expect(readers.stages.map((s) => s.durationMs)).toEqual([5000, 10_000])
    expect(readers.stages.map((s) => s.target)).toEqual([20, 20])
    expect(readers.startRate).toBe(2)
    expect(resolved.faults[0]).toMatchObject({ withinMs: [2500, 10_000], durationMs: 1500 })
  })

  test('expands a repeated fault into its occurrences', () => {
    const repeated = defineScenario({
      ...base,
      faults: [
        {
          kind: 'kill',
          target: 'kafka',
          at: '2s',
          duration: '1s',
          repeat: { every: '5s', times: 3 },
        },
      ],
    })
    expect(resolveScenario(repeated).faults.map((f) => f.atMs)).toEqual([2000, 7000, 12_000])
  })

  test('link faults carry their parameters in ms', () => {
    const linked = defineScenario({
      ...base,
      faults: [
        {
          kind: 'latency',
          link: 'catalog-query->redis',
          at: '1s',
          latency: '100ms',
          jitter: '10ms',
        },
      ],
    })
    expect(resolveScenario(linked).faults[0]).toMatchObject({
      target: 'link:catalog-query->redis',
      params: { latencyMs: 100, jitterMs: 10 },
    })
  })

  test('a herd fault hits the catalog-query tier and names its product (the first by default)', () => {
    const herds = defineScenario({
      ...base,
      topology: { products: 5 },
      faults: [
        { kind: 'herd', at: '2s', duration: '1s', readers: 50 },
        { kind: 'herd', at: '4s', duration: '1s', readers: 10, product: 4 },
      ],
    })
    expect(resolveScenario(herds).faults).toMatchObject([
      { kind: 'herd', target: 'catalog-query', atMs: 2000, params: { product: 0, readers: 50 } },
      { kind: 'herd', target: 'catalog-query', atMs: 4000, params: { product: 4, readers: 10 } },
    ])
  })
})
