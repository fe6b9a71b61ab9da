import type { MetricSummary, RunSummary } from '../core/summary-types.js'
import { dotted, formatMs, formatPercent, trim } from './format.js'

/** Marks; plain ASCII-free glyphs are fine on a non-TTY too (no escape codes anywhere here). */
const PASS = '✓'
const FAIL = '✗'

/**
 * The k6-style end-of-run summary: ✓/✗ per threshold and check, then the metrics table
 * (p50/p90/p99/p99.9/max for trends, rates, counts), then notes and where the files are.
 * Plain text, no escape codes, so it reads the same in a terminal and in a CI log.
 */
export function renderSummary(summary: RunSummary): string {
  const lines: string[] = []
  lines.push(
    `  scenario: ${summary.scenario.name}${summary.smoke ? ' (smoke)' : ''}  seed: ${summary.seed}  target: ${summary.target.name}${summary.target.measuresReality ? '' : ' (in memory: nothing real was measured)'}`,
  )
  lines.push(`  status:   ${statusLine(summary)}`, '')
  if (summary.thresholds.length > 0) {
    lines.push('  THRESHOLDS', '')
    for (const t of summary.thresholds) {
      const actual = t.actual === undefined ? (t.reason ?? '') : trim(t.actual)
      lines.push(`    ${t.ok ? PASS : FAIL} ${t.metric}  ${t.condition}  (${actual})`)
    }
    lines.push('')
  }
  if (summary.checks.length > 0) {
    lines.push('  CHECKS', '')
    for (const c of summary.checks) {
      lines.push(
        `    ${c.ok ? PASS : FAIL} ${c.name} [${c.guarantees.join(', ')}] ${c.verdict}: ${c.summary}`,
      )
      for (const example of c.counterexamples) lines.push(`        - ${example.message}`)
      if (c.counterexampleCount > c.counterexamples.length) {
        lines.push(
          `        ... ${c.counterexampleCount - c.counterexamples.length} more in summary.json`,
        )
      }
    }
    lines.push('')
  }
  lines.push('  METRICS', '', ...metricLines(summary.metrics), '')
  if (summary.faults.length > 0) lines.push('  FAULTS', '', ...faultLines(summary), '')
  if (summary.notes.length > 0)
    lines.push('  NOTES', '', ...summary.notes.map((n) => `    - ${n}`), '')
  lines.push(
    '  FILES',
    '',
    `    run dir:  ${summary.files.runDir}`,
    `    summary:  ${summary.files.summary}`,
  )
  lines.push(
    `    history:  ${summary.files.history}`,
    `    scenario: ${summary.files.scenario} (seed and schedule, for --replay)`,
  )
  return `${lines.join('\n')}\n`
}

function statusLine(summary: RunSummary): string {
  switch (summary.status) {
    case 'passed':
      return `${PASS} passed: every threshold and check held (exit 0)`
    case 'failed':
      return `${FAIL} failed: a threshold or check did not hold (exit 99)`
    case 'interrupted':
      return `${FAIL} interrupted: partial results; faults were reverted (exit 130)`
    case 'error':
      return `${FAIL} error: ${summary.error ?? 'unknown'} (exit 1)`
  }
}

function metricLines(metrics: readonly MetricSummary[]): string[] {
  const labels = metrics.map(label)
  const width = Math.max(20, ...labels.map((l) => l.length + 2))
  return metrics.map(
    (metric, index) => `    ${dotted(labels[index] as string, width)}${describeValues(metric)}`,
  )
}

function label(metric: MetricSummary): string {
  const tags = Object.entries(metric.tags)
  return tags.length === 0 ? metric.name : `  {${tags.map(([k, v]) => `${k}:${v}`).join(',')}}`
}

function describeValues(metric: MetricSummary): string {
  const v = metric.values
  switch (metric.type) {
    case 'trend':
      return [
        `avg=${formatMs(v.avg)}`,
        `min=${formatMs(v.min)}`,
        `p50=${formatMs(v.med)}`,
        `p90=${formatMs(v.p90)}`,
        `p99=${formatMs(v.p99)}`,
        `p99.9=${formatMs(v['p99.9'])}`,
        `max=${formatMs(v.max)}`,
        `count=${v.count ?? 0}`,
      ].join(' ')
    case 'rate':
      return `${formatPercent(v.rate)} (${v.count ?? 0} of them)`
    case 'counter':
      return `${v.count ?? 0}  ${trim(v.rate ?? 0)}/s`
    case 'gauge':
      return `value=${trim(v.value ?? 0)} min=${trim(v.min ?? 0)} max=${trim(v.max ?? 0)}`
  }
}

function faultLines(summary: RunSummary): string[] {
  return summary.faults.map((f) => {
    const ran =
      f.startedMs === undefined ? 'not applied' : `${f.startedMs}ms..${f.endedMs ?? '?'}ms`
    return `    ${f.error === undefined ? PASS : FAIL} #${f.id} ${f.kind} ${f.target} scheduled ${f.scheduledStartMs}ms..${f.scheduledEndMs}ms, ran ${ran}${f.error === undefined ? '' : `: ${f.error}`}`
  })
}
