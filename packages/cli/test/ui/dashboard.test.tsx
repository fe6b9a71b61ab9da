/* @jsxRuntime automatic */
/* @jsxImportSource react */
// The pragmas keep JSX right when tsx runs this from a directory whose tsconfig lacks "jsx".
import { render } from 'ink-testing-library'
import { afterEach, describe, expect, test, vi } from 'vitest'
import type { RunEvent } from '../../src/core/events.js'
import { Dashboard } from '../../src/ui/dashboard/dashboard.js'
import { DashboardStore } from '../../src/ui/dashboard/dashboard-store.js'
import {
  checked,
  faultChanged,
  FULL_LIVE,
  phase,
  sampled,
  started,
  workload,
} from '../support/run-events.js'

const SIZE = { width: 80, height: 24 }

/** A store that publishes every event at once (throttling is tested on its own). */
function storeWith(events: RunEvent[]): DashboardStore {
  const store = new DashboardStore({ minIntervalMs: 0 })
  for (const event of events) store.push(event)
  return store
}

function frameOf(store: DashboardStore, size = SIZE): string {
  const { lastFrame, unmount } = render(<Dashboard store={store} size={size} />)
  const frame = lastFrame() ?? ''
  unmount()
  return frame
}

const LOAD = [started(), phase('load'), sampled(1, FULL_LIVE), sampled(2, FULL_LIVE)]

afterEach(() => {
  vi.useRealTimers()
})

describe('Dashboard (ink)', () => {
  test('shows the scenario, phase, time left and each workload’s live numbers', () => {
    const frame = frameOf(storeWith(LOAD))
    expect(frame).toContain('catalog-read-storm')
    expect(frame).toContain('seed 42')
    expect(frame).toMatch(/phase load {2}58s of load left/)
    expect(frame).toMatch(/readers\s+812\.5\s+1\.56ms\s+6\.25ms/)
    expect(frame).toMatch(/writers\s+41\s+2\.38ms\s+9\.5ms/)
    expect(frame).toContain('2 (6)')
  })

  test('shows cache, saga and lag numbers from the target’s live metrics', () => {
    const frame = frameOf(storeWith(LOAD))
    expect(frame).toContain('hit ratio 92.3%')
    expect(frame).toContain('stale reads 3')
    expect(frame).toContain('running 2  completed 41  compensated 5  failed 1')
    expect(frame).toContain('consumer 17 msgs')
    expect(frame).toContain('relay 0.25 s')
  })

  test('says n/a for each live metric the target does not report', () => {
    const frame = frameOf(storeWith([started(), sampled(1, { cache_hit_ratio: 0.5 })]))
    expect(frame).toContain('hit ratio 50%')
    expect(frame).toContain('stale reads n/a')
    expect(frame).toContain('running n/a  completed n/a  compensated n/a  failed n/a')
    expect(frame).toContain('consumer n/a   relay n/a')
  })

  test('highlights the active fault and lists the pending one plainly', () => {
    const frame = frameOf(
      storeWith([
        ...LOAD,
        faultChanged('fault:started', 1, 'latency', 'link:catalog-query->redis', 10_000, 20_000),
        sampled(12, FULL_LIVE, [1]),
      ]),
    )
    const lines = frame.split('\n')
    const active = lines.find((l) => l.includes('#1 latency'))
    const pending = lines.find((l) => l.includes('#2 pause'))
    expect(active).toMatch(/▶ #1 latency link:catalog-query->redis.*10\.0s–20\.0s\s+ACTIVE/)
    expect(pending).toMatch(/○ #2 pause kafka.*pending/)
    expect(pending).not.toContain('ACTIVE')
    // The timeline bar draws the active window solid and now as ▲.
    expect(lines.find((l) => l.startsWith(' FAULTS'))).toMatch(/█*▲█*/)
  })

  test('in color, the active fault is red and inverse; the pending one is not', () => {
    const store = storeWith([
      ...LOAD,
      faultChanged('fault:started', 1, 'latency', 'link:catalog-query->redis', 10_000, 20_000),
    ])
    const { lastFrame, unmount } = render(<Dashboard store={store} size={SIZE} color />)
    const lines = (lastFrame() ?? '').split('\n')
    unmount()
    const active = lines.find((l) => l.includes('#1 latency')) ?? ''
    // Ink re-emits the codes one by one; what counts is which are open before each text.
    const before = (line: string, text: string) =>
      line.slice(Math.max(0, line.indexOf(text) - 24), line.indexOf(text))
    for (const code of ['\u001b[31m', '\u001b[1m', '\u001b[7m'])
      expect(before(active, ' ACTIVE ')).toContain(code)
    expect(before(active, ' ▶ ')).toContain('\u001b[31m')
    const pending = lines.find((l) => l.includes('#2 pause')) ?? ''
    expect(pending).not.toContain('\u001b[31m')
    expect(pending).not.toContain('\u001b[7m')
    const bar = lines.find((l) => l.includes('FAULTS')) ?? ''
    expect(before(bar, '█')).toContain('\u001b[31m')
  })

  test('shows each checker’s verdict so far and the thresholds once evaluated', () => {
    let frame = frameOf(storeWith([...LOAD, phase('checking'), checked('staleness', 'valid')]))
    expect(frame).toContain('staleness ✓ valid · sagas … pending')
    frame = frameOf(
      storeWith([
        ...LOAD,
        checked('staleness', 'valid'),
        checked('sagas', 'invalid'),
        {
          schema: 'faultline.events/v1',
          type: 'thresholds:evaluated',
          elapsedMs: 1,
          thresholds: [
            { metric: 'http_req_duration', condition: 'p(99)<50', ok: false, actual: 61 },
          ],
        },
      ]),
    )
    expect(frame).toContain('staleness ✓ valid · sagas ✗ invalid')
    expect(frame).toContain('✗ http_req_duration p(99)<50')
  })

  test('fits an 80x24 terminal: no line wider than 80 columns, at most 23 lines', () => {
    const crowded = started({
      scenario: `a-scenario-with-a-very-long-name-${'x'.repeat(90)}`,
      workloads: Array.from({ length: 9 }, (_, i) => ({
        name: `workload-${i}`,
        model: 'open' as const,
      })),
      schedule: Array.from({ length: 12 }, (_, i) => ({
        id: i + 1,
        kind: 'latency',
        target: `link:catalog-query->${'redis'.repeat(10)}`,
        startMs: i * 4000,
        endMs: i * 4000 + 3000,
        params: {},
        source: { index: i, occurrence: 0 },
      })),
      checks: ['staleness', 'herd', 'delivery', 'convergence', 'sagas', 'errorBudget', 'auth'],
    })
    const many = Array.from({ length: 9 }, (_, i) => ({
      name: `workload-${i}-with-a-long-name`,
      model: 'open' as const,
      rps: 123456.7,
      p50Ms: 1234.5,
      p99Ms: 98765.4,
      errors: 12345,
      inFlight: 1,
      sent: 1,
      completed: 1,
      failed: 1234567,
      dropped: 0,
      late: 0,
    }))
    const events: RunEvent[] = [crowded, phase('load')]
    for (let s = 1; s <= 70; s++) events.push(sampled(s, FULL_LIVE, [5], many))
    events.push({
      schema: 'faultline.events/v1',
      type: 'warning:raised',
      elapsedMs: 1,
      message: 'w'.repeat(200),
    })
    const frame = frameOf(storeWith(events))
    const lines = frame.split('\n')
    expect(lines.length).toBeLessThanOrEqual(23)
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(80)
    expect(frame).toContain('more workloads')
    expect(frame).toContain('more faults')
    expect(frame).toContain('ACTIVE')
  })

  test('the 80-column sparkline covers the last seconds it has room for', () => {
    const events: RunEvent[] = [started(), phase('load')]
    for (let s = 1; s <= 60; s++)
      events.push(sampled(s, FULL_LIVE, [], [workload('readers', 1, s % 2 === 0 ? 100 : 1)]))
    const frame = frameOf(storeWith(events))
    const row = frame.split('\n').find((l) => l.startsWith(' readers')) ?? ''
    expect(row).toMatch(/(▁█){10,}/)
  })

  test('q and Ctrl-C call onQuit', () => {
    const onQuit = vi.fn()
    const { stdin, unmount } = render(
      <Dashboard store={storeWith(LOAD)} size={SIZE} onQuit={onQuit} />,
    )
    stdin.write('x')
    expect(onQuit).not.toHaveBeenCalled()
    stdin.write('q')
    stdin.write('\u0003')
    expect(onQuit).toHaveBeenCalledTimes(2)
    unmount()
  })

  test('redraws at most 4 times a second however fast events come', async () => {
    const store = new DashboardStore({ minIntervalMs: 250 })
    const { frames, unmount } = render(<Dashboard store={store} size={SIZE} />)
    const before = frames.length
    const startedAt = Date.now()
    store.push(started())
    for (let i = 1; i <= 60; i++) {
      store.push(sampled(i, FULL_LIVE))
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    await new Promise((resolve) => setTimeout(resolve, 300))
    const elapsed = Date.now() - startedAt
    const redraws = frames.length - before
    unmount()
    // 61 events; one publish at once, then at most one per 250 ms after.
    expect(redraws).toBeGreaterThanOrEqual(2)
    expect(redraws).toBeLessThanOrEqual(1 + Math.ceil(elapsed / 250))
    expect(store.publishes).toBe(redraws)
  })
})
