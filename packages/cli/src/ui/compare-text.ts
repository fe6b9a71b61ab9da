import type { Comparison, MetricComparison } from '../compare/compare.js'
import { formatMs, trim } from './format.js'

const MARK: Readonly<Record<MetricComparison['verdict'], string>> = {
  improved: '✓ improved',
  regressed: '✗ regressed',
  unchanged: '= unchanged',
  inconclusive: '? inconclusive',
}

/**
 * The comparison as a plain-text table: per metric the baseline and current medians, the change
 * and the verdict with how it was reached; then the regressions and what to do about an
 * inconclusive one. No escape codes.
 */
export function renderComparison(c: Comparison): string {
  const lines = [
    `  baseline: ${c.baselineRuns} run(s)   current: ${c.currentRuns} run(s)   tolerance: ${trim(c.tolerance * 100)}%   significance: p < ${c.alpha}`,
    '',
  ]
  const width = Math.max(30, ...c.metrics.map((m) => m.id.length + 2))
  lines.push(
    `  ${'METRIC'.padEnd(width)}${'BASELINE'.padStart(11)}${'CURRENT'.padStart(11)}${'CHANGE'.padStart(10)}  VERDICT`,
  )
  for (const m of c.metrics) {
    lines.push(
      `  ${m.id.padEnd(width)}${value(m, m.baselineMedian).padStart(11)}${value(m, m.currentMedian).padStart(11)}${change(m).padStart(10)}  ${MARK[m.verdict]}${basis(m)}`,
    )
  }
  lines.push('')
  if (c.regressions.length > 0) {
    lines.push(
      `  ✗ ${c.regressions.length} metric(s) regressed beyond ${trim(c.tolerance * 100)}%:`,
    )
    for (const m of c.regressions)
      lines.push(
        `    - ${m.id}: ${value(m, m.baselineMedian)} -> ${value(m, m.currentMedian)} (${change(m)})`,
      )
  } else lines.push(`  ✓ no metric regressed beyond ${trim(c.tolerance * 100)}%`)
  const undecided = c.metrics.filter((m) => m.verdict === 'inconclusive')
  if (undecided.length > 0) {
    const most = Math.max(...undecided.map((m) => m.runsNeeded ?? 0))
    lines.push(
      `  ? ${undecided.length} metric(s) changed beyond the tolerance but not beyond the noise: ${Number.isFinite(most) ? `about ${most} runs per side (--repeat ${most})` : 'more runs'} would decide.`,
    )
  }
  if (c.baselineRuns < 2 || c.currentRuns < 2)
    lines.push(
      '  Note: with one run on a side no test can tell a change from noise; the tolerance alone decides. Use --repeat 4 (or more) on both sides for a tested verdict.',
    )
  for (const note of c.notes) lines.push(`  Note: ${note}`)
  return `${lines.join('\n')}\n`
}

function value(m: MetricComparison, v: number): string {
  switch (m.unit) {
    case 'ms':
      return formatMs(v)
    case 'ratio':
      return `${trim(v * 100)}%`
    case '/s':
      return `${trim(v)}/s`
    case 'count':
      return trim(v)
  }
}

function change(m: MetricComparison): string {
  if (m.change === null) return m.currentMedian === m.baselineMedian ? '0%' : 'new'
  return `${m.change >= 0 ? '+' : ''}${trim(m.change * 100)}%`
}

function basis(m: MetricComparison): string {
  if (m.verdict === 'unchanged') return ''
  if (m.basis.test === 'tolerance') return ' (1 run a side: tolerance only, untested)'
  const test = m.basis.test === 'mann-whitney' ? 'Mann-Whitney U' : "Welch's t"
  const p = m.basis.p === undefined ? '' : `p=${formatP(m.basis.p)}`
  const need =
    m.verdict === 'inconclusive' && m.runsNeeded !== undefined && Number.isFinite(m.runsNeeded)
      ? `, ~${m.runsNeeded} runs a side would decide`
      : ''
  return ` (${test}, ${p}${need})`
}

function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3)
}
