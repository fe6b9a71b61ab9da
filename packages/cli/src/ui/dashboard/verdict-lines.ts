import type { CheckView, DashboardModel, ThresholdView } from '../../core/dashboard-model.js'
import { seg, textLine, type Line, type Segment } from './segments.js'

function checkSegment(check: CheckView): Segment[] {
  switch (check.verdict) {
    case 'valid':
      return [seg(`${check.name} `), seg('✓ valid', { color: 'green', bold: true })]
    case 'invalid':
      return [seg(`${check.name} `), seg('✗ invalid', { color: 'red', bold: true })]
    case 'unknown':
      return [seg(`${check.name} `), seg('? unknown', { color: 'yellow', bold: true })]
    case 'pending':
      return [seg(`${check.name} `), seg('… pending', { color: 'gray' })]
  }
}

function thresholdSegment(threshold: ThresholdView): Segment[] {
  if (threshold.ok === undefined) return [seg(`… ${threshold.label}`, { color: 'gray' })]
  return threshold.ok
    ? [seg(`✓ ${threshold.label}`, { color: 'green' })]
    : [seg(`✗ ${threshold.label}`, { color: 'red', bold: true })]
}

/**
 * Each checker's verdict so far (pending until it has run) and each threshold's, packed into as
 * few lines as `width` allows: at most two lines of checks and one of thresholds.
 */
export function verdictLines(model: DashboardModel, width: number): Line[] {
  const checks =
    model.checks.length === 0
      ? [textLine(' CHECKS  none in this scenario', { color: 'gray' })]
      : pack(' CHECKS  ', model.checks.map(checkSegment), width, 2)
  if (model.thresholds.length === 0) return checks
  return [...checks, ...pack(' THRESH  ', model.thresholds.map(thresholdSegment), width, 1)]
}

/** Lays items out left to right, `  ·  ` between them, wrapping onto at most `maxLines`. */
function pack(label: string, items: Segment[][], width: number, maxLines: number): Line[] {
  const lines: Segment[][] = [[seg(label, { bold: true })]]
  let used = label.length
  for (const item of items) {
    const size = item.reduce((n, s) => n + [...s.text].length, 0)
    const current = lines[lines.length - 1] as Segment[]
    const separator = current.length > 1 ? 3 : 0
    if (used + separator + size > width && current.length > 1) {
      if (lines.length === maxLines) break
      lines.push([seg(' '.repeat(label.length)), ...item])
      used = label.length + size
      continue
    }
    if (separator > 0) current.push(seg(' · ', { color: 'gray' }))
    current.push(...item)
    used += separator + size
  }
  return lines
}
