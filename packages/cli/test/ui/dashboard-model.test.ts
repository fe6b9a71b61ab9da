import { describe, expect, test } from 'vitest'
import {
  emptyDashboard,
  loadRemainingMs,
  reduceDashboard,
  SPARK_WINDOW,
  type DashboardModel,
} from '../../src/core/dashboard-model.js'
import type { RunEvent } from '../../src/core/events.js'
import { checked, faultChanged, FULL_LIVE, phase, sampled, started } from '../support/run-events.js'

function fold(events: RunEvent[]): DashboardModel {
  return events.reduce(reduceDashboard, emptyDashboard())
}

describe('reduceDashboard()', () => {
  test('run:started sets the scenario, the pending faults, checks and thresholds', () => {
    const model = fold([started()])
    expect(model).toMatchObject({
      scenario: 'catalog-read-storm',
      seed: 42,
      loadDurationMs: 60_000,
    })
    expect(model.faults.map((f) => f.state)).toEqual(['pending', 'pending'])
    expect(model.checks).toEqual([
      { name: 'staleness', verdict: 'pending' },
      { name: 'sagas', verdict: 'pending' },
    ])
    expect(model.thresholds).toEqual([{ label: 'http_req_duration p(99)<50' }])
  })

  test('samples keep the last 60 p99 values per workload, oldest first', () => {
    const events = [started(), phase('load')]
    for (let s = 1; s <= 75; s++) events.push(sampled(s, FULL_LIVE))
    const model = fold(events)
    const readers = model.workloads.find((w) => w.name === 'readers')
    expect(readers?.p99History).toHaveLength(SPARK_WINDOW)
    expect(readers?.p99History[0]).toBe(4.25 + (16 % 7))
    expect(readers?.p99History.at(-1)).toBe(4.25 + (75 % 7))
    expect(model.live).toEqual(FULL_LIVE)
    expect(loadRemainingMs(model)).toBe(0)
  })

  test('a fault goes pending, active, ended; a failed one says why', () => {
    let model = fold([
      started(),
      faultChanged('fault:started', 1, 'latency', 'link:catalog-query->redis', 10_000, 20_000),
    ])
    expect(model.faults.find((f) => f.id === 1)?.state).toBe('active')
    model = reduceDashboard(
      model,
      faultChanged('fault:ended', 1, 'latency', 'link:catalog-query->redis', 10_000, 20_000),
    )
    expect(model.faults.find((f) => f.id === 1)).toMatchObject({ state: 'ended', endMs: 20_002 })
    const failed = faultChanged('fault:ended', 2, 'pause', 'kafka', 40_000, 50_000)
    if (failed.type !== 'fault:ended') throw new Error('not a fault event')
    model = reduceDashboard(model, {
      ...failed,
      fault: { ...failed.fault, error: 'no such process' },
    })
    expect(model.faults.find((f) => f.id === 2)).toMatchObject({
      state: 'failed',
      error: 'no such process',
    })
  })

  test('check:finished replaces a pending verdict; an unannounced checker is added', () => {
    const model = fold([started(), checked('staleness', 'invalid'), checked('herd', 'unknown')])
    expect(model.checks).toEqual([
      { name: 'staleness', verdict: 'invalid' },
      { name: 'sagas', verdict: 'pending' },
      { name: 'herd', verdict: 'unknown' },
    ])
  })

  test('a source without run:started (faultline up) still folds samples', () => {
    const model = fold([sampled(3, {})])
    expect(model.scenario).toBeUndefined()
    expect(model.workloads).toHaveLength(2)
    expect(model.live).toEqual({})
  })

  test('does not change the model it was given', () => {
    const before = fold([started()])
    const copy = structuredClone(before)
    reduceDashboard(before, sampled(1, FULL_LIVE, [1]))
    expect(before).toEqual(copy)
  })
})
