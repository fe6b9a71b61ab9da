import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import {
  defineScenario,
  providerOf,
  runScenario,
  type RunSummary,
  type Target,
} from '../../src/index.js'
import type { FaultEvent } from '../../src/history/events.js'
import type { ScheduledFault } from '../../src/core/schedule.js'
import { createTestTarget } from '../fixtures/test-target.js'

const herdScenario = defineScenario({
  name: 'one-herd',
  description: 'One herd on the first product while a reader reads.',
  guarantees: ['C4'],
  topology: { products: 3 },
  load: [
    {
      name: 'readers',
      model: 'open',
      startRate: 20,
      stages: [{ target: 20, duration: '600ms' }],
      maxInFlight: 2,
      operations: [{ op: 'read-product' }],
    },
  ],
  faults: [{ kind: 'herd', at: '100ms', duration: '200ms', readers: 5, product: 2 }],
  checks: ['herd'],
  quiesce: '1s',
})

function outDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'faultline-herd-')), 'run')
}

/** A target that takes herds and names their key with `faultDetail`. */
function herdTarget(faultDetail: (fault: ScheduledFault) => Record<string, unknown>): Target {
  return {
    describe: () => ({
      name: 'herds',
      measuresReality: false,
      operations: ['read-product'],
      processes: [],
      links: [],
      faultKinds: ['herd'],
      metrics: [],
    }),
    prepare: () => ({ key: 'p0' }),
    perform: () => Promise.resolve({ type: 'ok', value: { version: 1 } }),
    applyFault: () => Promise.resolve(() => Promise.resolve()),
    faultDetail,
    inspect: () => Promise.resolve({}),
    liveMetrics: () => Promise.resolve({}),
    endpoints: () => ({}),
    close: () => Promise.resolve(),
  }
}

async function herdEvents(target: Target): Promise<FaultEvent[]> {
  const dir = outDir()
  let summary: RunSummary | undefined
  const events = runScenario({ scenario: herdScenario, target: providerOf(target), outDir: dir })
  for await (const event of events) if (event.type === 'run:finished') summary = event.summary
  expect(summary?.faults).toHaveLength(1)
  return readFileSync(join(dir, 'history.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string })
    .filter((event): event is FaultEvent => event.type === 'fault')
}

describe('the herd fault in the engine', () => {
  test('a target that cannot apply herds refuses the scenario before anything starts', () => {
    expect(() =>
      runScenario({ scenario: herdScenario, target: createTestTarget(), outDir: outDir() }),
    ).toThrow(/faults\[0\]: target 'test' cannot apply 'herd'; it applies: pause, kill, latency/)
  })

  test('its start event carries the key the target names, on the catalog-query tier', async () => {
    const events = await herdEvents(herdTarget((fault) => ({ key: `p${fault.params.product}` })))
    expect(events.map((event) => event.phase)).toEqual(['start', 'end'])
    expect(events[0]).toMatchObject({
      fault: 'herd',
      target: 'catalog-query',
      detail: { key: 'p2', params: { product: 2, readers: 5 } },
    })
  })

  test('a target that cannot name the key gets the reason in the event, and the run goes on', async () => {
    const events = await herdEvents(
      herdTarget(() => {
        throw new Error('no product 2 here')
      }),
    )
    expect(events[0]?.detail).toMatchObject({ detailError: 'no product 2 here' })
    expect(events[0]?.detail?.key).toBeUndefined()
  })
})
