import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { EVENTS_SCHEMA } from '../../src/core/events.js'
import type { RunSummary } from '../../src/core/summary-types.js'
import type { HistoryEvent } from '../../src/history/events.js'
import { jsonForScript } from '../../src/report/escape.js'
import { renderReportHtml } from '../../src/report/html.js'
import { buildReportData } from '../../src/report/report-data.js'
import { readRunFiles } from '../../src/report/run-files.js'
import { chartAssets } from '../../src/report/write-report.js'
import { syntheticSummary } from '../support/summaries.js'

const EVIL = '</script><script>alert(1)</script><img src=x onerror=alert(2)>'

/** A run dir: p0 written to version 2 at 0.1 s, then read as version 1 at 0.5 s (stale). */
function runDir(summary: RunSummary): string {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-report-'))
  const history: HistoryEvent[] = [
    { type: 'mark', time: 1_000_000, name: 'load-start' },
    {
      type: 'invoke',
      id: 1,
      process: 1,
      time: 1_050_000,
      op: 'write-product',
      workload: 'w',
      key: 'p0',
    },
    {
      type: 'ok',
      id: 1,
      process: 1,
      time: 1_060_000,
      op: 'write-product',
      key: 'p0',
      value: { version: 1 },
    },
    {
      type: 'invoke',
      id: 2,
      process: 1,
      time: 1_080_000,
      op: 'write-product',
      workload: 'w',
      key: 'p0',
    },
    {
      type: 'ok',
      id: 2,
      process: 1,
      time: 1_100_000,
      op: 'write-product',
      key: 'p0',
      value: { version: 2 },
    },
    { type: 'fault', phase: 'start', id: 1, time: 1_200_000, fault: 'pause', target: EVIL },
    {
      type: 'invoke',
      id: 3,
      process: 2,
      time: 1_500_000,
      op: 'read-product',
      workload: 'r',
      key: 'p0',
    },
    {
      type: 'ok',
      id: 3,
      process: 2,
      time: 1_510_000,
      op: 'read-product',
      key: 'p0',
      value: { version: 1, note: EVIL },
    },
    {
      type: 'invoke',
      id: 4,
      process: 2,
      time: 1_600_000,
      op: 'read-product',
      workload: 'r',
      key: 'p0',
    },
    {
      type: 'ok',
      id: 4,
      process: 2,
      time: 1_610_000,
      op: 'read-product',
      key: 'p0',
      value: { version: 2 },
    },
    { type: 'fault', phase: 'end', id: 1, time: 1_900_000, fault: 'pause', target: EVIL },
  ]
  writeFileSync(
    join(dir, 'history.ndjson'),
    history.map((e) => JSON.stringify(e)).join('\n') + '\n',
  )
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary))
  writeFileSync(
    join(dir, 'scenario.json'),
    JSON.stringify({ scenario: { checks: [{ name: 'staleness', options: { windowMs: 0 } }] } }),
  )
  const sample = (second: number) => ({
    schema: EVENTS_SCHEMA,
    type: 'metrics:sampled',
    elapsedMs: second * 1000,
    loadElapsedMs: second * 1000,
    workloads: [
      {
        name: EVIL,
        model: 'open',
        rps: 10,
        p50Ms: 1,
        p99Ms: 2,
        errors: 0,
        inFlight: 0,
        sent: 0,
        completed: 0,
        failed: 0,
        dropped: 0,
        late: 0,
      },
    ],
    live: { cache_hit_ratio: 0.5, consumer_lag_messages: second },
    activeFaults: [],
  })
  writeFileSync(
    join(dir, 'timeline.ndjson'),
    `${JSON.stringify(sample(1))}\n${JSON.stringify(sample(2))}\n{"torn`,
  )
  return dir
}

function hostileSummary(): RunSummary {
  const base = syntheticSummary({ p99: 2 })
  return {
    ...base,
    status: 'error',
    error: EVIL,
    scenario: { name: EVIL, description: `${EVIL} & "quotes" 'single'`, guarantees: [EVIL] },
    faults: [
      {
        id: 1,
        kind: 'pause',
        target: EVIL,
        scheduledStartMs: 200,
        scheduledEndMs: 900,
        startedMs: 200,
        endedMs: 900,
        error: EVIL,
      },
    ],
    thresholds: [{ metric: EVIL, condition: 'p(99)<1', ok: false, actual: 2 }],
    notes: [EVIL],
    checks: [
      {
        name: EVIL,
        guarantees: ['C2'],
        verdict: 'invalid',
        ok: false,
        summary: EVIL,
        stats: { [EVIL]: 1 },
        counterexampleCount: 1,
        counterexamples: [{ message: EVIL, key: EVIL, historyIds: [3, 2] }],
      },
    ],
  }
}

describe('the report', () => {
  test('stale reads become points, the checker marks violations, the excerpt holds the linked lines', async () => {
    const data = await buildReportData(readRunFiles(runDir(hostileSummary())))
    expect(data.stale.points).toEqual([
      { t: 0.5, key: 'p0', readId: 3, readVersion: 1, newerVersion: 2, violation: true },
    ])
    expect(data.stale.note).toContain("scenario's staleness checker options (window 0 ms)")
    expect(data.history.rows.filter((r) => r.id !== undefined).map((r) => r.id)).toEqual([
      2, 2, 3, 3,
    ])
    expect(data.history.rows.filter((r) => r.type === 'fault')).toHaveLength(2)
    expect(data.t).toEqual([1, 2])
    expect(data.live.consumer_lag_messages).toEqual([1, 2])
    expect(data.machineIsReporters).toBe(true)
  })

  test('escapes every datum: hostile names, errors and values never become markup or script', async () => {
    const html = renderReportHtml(
      await buildReportData(readRunFiles(runDir(hostileSummary()))),
      chartAssets(),
    )
    expect(html.match(/<script/g)).toHaveLength(3)
    expect(html).not.toContain('<img')
    expect(html).not.toContain(EVIL)
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).toContain('&quot;quotes&quot; &#39;single&#39;')
    const json = html.slice(html.indexOf('<script id="report-data" type="application/json">'))
    expect(json).toContain('\\u003c/script\\u003e')
    // The counterexample links to the read's anchor in the excerpt.
    expect(html).toContain('<a href="#h-3">3</a>')
    expect(html).toContain('<tr id="h-3"')
  })

  test('jsonForScript() round-trips through JSON.parse', () => {
    const value = { s: `${EVIL}\u2028\u2029&<>` }
    expect(JSON.parse(jsonForScript(value))).toEqual(value)
    expect(jsonForScript(value)).not.toMatch(/[<>&\u2028\u2029]/)
  })

  test('a directory without summary.json is refused naming what to pass', () => {
    expect(() => readRunFiles(mkdtempSync(join(tmpdir(), 'faultline-empty-')))).toThrow(
      /has no summary.json; pass a run directory that faultline run wrote/,
    )
  })
})
