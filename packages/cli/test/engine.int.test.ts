import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { XMLValidator } from 'fast-xml-parser'
import {
  createHttpClient,
  defineScenario,
  providerOf,
  renderJunit,
  runScenario,
  type RunSummary,
  type Target,
} from '../src/index.js'
import schema from '../schema/summary.v1.schema.json' with { type: 'json' }
import { createTestTarget } from './fixtures/test-target.js'

async function finish(
  events: AsyncIterable<{ type: string; summary?: RunSummary }>,
): Promise<RunSummary> {
  let summary: RunSummary | undefined
  for await (const event of events) if (event.type === 'run:finished') summary = event.summary
  if (summary === undefined) throw new Error('no summary')
  return summary
}

function out(): string {
  return join(mkdtempSync(join(tmpdir(), 'faultline-engine-')), 'run')
}

describe('open-model load against a server that stalls', () => {
  const STALL_MS = 1500
  let stallUntil = 0
  let origin = ''
  const server = createServer((_request, response) => {
    const wait = Math.max(0, stallUntil - Date.now())
    setTimeout(() => response.end('{}'), wait)
  })
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  function stallingTarget(): Target {
    const http = createHttpClient()
    return {
      describe: () => ({
        name: 'stall',
        measuresReality: true,
        operations: ['read-product'],
        processes: ['redis'],
        links: [],
        faultKinds: ['pause'],
        metrics: [],
      }),
      prepare: () => ({ key: 'p1' }),
      async perform(_op, _inv, { signal }) {
        const response = await http.request(`${origin}/`, { signal })
        return { type: 'ok', status: response.status }
      },
      applyFault: () => {
        stallUntil = Date.now() + STALL_MS
        return Promise.resolve(() => Promise.resolve())
      },
      inspect: () => Promise.resolve({}),
      liveMetrics: () => Promise.resolve({}),
      endpoints: () => ({ origin }),
      close: () => http.close(),
    }
  }

  test('latency counts from the intended send time, so the stall shows and late sends are counted', async () => {
    // 100/s for 4 s with at most 4 in flight: during the stall the pool fills and arrivals queue.
    const scenario = defineScenario({
      name: 'stall',
      description: 'A stall of known length in the server.',
      guarantees: ['R1'],
      load: [
        {
          name: 'readers',
          model: 'open',
          startRate: 100,
          stages: [{ target: 100, duration: '4s' }],
          maxInFlight: 4,
          maxBacklog: 10_000,
          timeout: '10s',
          operations: [{ op: 'read-product' }],
        },
      ],
      faults: [{ kind: 'pause', target: 'redis', at: '1s', duration: '1500ms' }],
      thresholds: { http_req_duration: ['max>1000'] },
      quiesce: '1s',
    })
    const summary = await finish(
      runScenario({ scenario, target: providerOf(stallingTarget()), outDir: out(), seed: 1 }),
    )
    const overall = summary.metrics.find(
      (m) => m.name === 'http_req_duration' && Object.keys(m.tags).length === 0,
    )
    const workload = summary.workloads[0]
    // A request sent on time when the stall began waits it out; those queued behind it wait too,
    // measured from when they were meant to go out: the max is at least the stall.
    expect(overall?.values.max).toBeGreaterThanOrEqual(STALL_MS * 0.9)
    // Service time alone (from the actual send) would hide the queueing: a long tail of requests
    // took far longer than the server spent on any of them after the stall.
    expect(overall?.values.p90).toBeGreaterThan(100)
    expect(workload?.late).toBeGreaterThan(50)
    expect(workload?.dropped).toBe(0)
    expect(summary.notes.join('\n')).toContain('The load generator fell behind')
    expect(summary.status).toBe('passed')
  })
})

describe('runScenario against the test target', () => {
  const scenario = defineScenario({
    name: 'engine-basic',
    description: 'Reads and writes with a fault.',
    guarantees: ['R1'],
    load: [
      {
        name: 'mix',
        model: 'open',
        startRate: 40,
        stages: [{ target: 40, duration: '1500ms' }],
        maxInFlight: 10,
        operations: [{ op: 'read-product', weight: 3 }, { op: 'write-product' }],
      },
    ],
    faults: [
      {
        kind: 'latency',
        link: 'catalog-query->redis',
        within: ['100ms', '800ms'],
        duration: '200ms',
        latency: '5ms',
      },
    ],
    thresholds: {
      'http_req_duration{op:read-product}': ['p(99)<5000'],
      'http_req_failed{workload:mix}': ['rate<0.5'],
    },
    quiesce: '1s',
  })

  test('writes a summary valid against the v1 JSON Schema, and a well-formed history', async () => {
    const dir = out()
    const summary = await finish(
      runScenario({ scenario, target: createTestTarget(), outDir: dir, seed: 3 }),
    )
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema)
    const onDisk = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as unknown
    expect(validate(onDisk), JSON.stringify(validate.errors)).toBe(true)
    expect(summary.status).toBe('passed')
    const history = readFileSync(join(dir, 'history.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; id?: number })
    const invokes = history.filter((e) => e.type === 'invoke').map((e) => e.id)
    const completions = history
      .filter((e) => ['ok', 'fail', 'info'].includes(e.type))
      .map((e) => e.id)
    expect(invokes.length).toBe(60)
    expect(completions.sort()).toEqual(invokes.sort())
    expect(history.filter((e) => e.type === 'fault')).toHaveLength(2)
  })

  test('the JSON Schema rejects a summary missing a field (the test can fail)', () => {
    const validate = new Ajv2020({ strict: false }).compile(schema)
    expect(validate({ schema: 'faultline.summary/v1', status: 'passed' })).toBe(false)
  })

  test('renderJunit() is well-formed XML with one test case per threshold', async () => {
    const summary = await finish(
      runScenario({ scenario, target: createTestTarget(), outDir: out(), seed: 3 }),
    )
    const xml = renderJunit({
      ...summary,
      scenario: { ...summary.scenario, name: 'a<b>&"c\u0001' },
    })
    expect(XMLValidator.validate(xml)).toBe(true)
    expect(xml.match(/<testcase /g)).toHaveLength(2)
  })

  test('the same seed gives the same operation mix', async () => {
    const ops = async () => {
      const dir = out()
      await finish(runScenario({ scenario, target: createTestTarget(), outDir: dir, seed: 11 }))
      return readFileSync(join(dir, 'history.ndjson'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; op?: string; key?: string })
        .filter((e) => e.type === 'invoke')
        .map((e) => `${e.op}:${e.key}`)
    }
    expect(await ops()).toEqual(await ops())
  })
})
