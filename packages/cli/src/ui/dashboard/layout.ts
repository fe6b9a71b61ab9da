import { loadRemainingMs, type DashboardModel } from '../../core/dashboard-model.js'
import { faultLines } from './fault-lines.js'
import { livePanelLines } from './live-lines.js'
import { fitLine, seg, textLine, type Line } from './segments.js'
import { verdictLines } from './verdict-lines.js'
import { workloadLines } from './workload-lines.js'

/** The terminal's size in columns and rows. */
export interface ScreenSize {
  readonly width: number
  readonly height: number
}

/** Narrower than this and the columns cannot fit; the layout is cut at the right edge. */
const MIN_WIDTH = 40

/**
 * The dashboard as lines of styled text, sized to the screen: every line fits `width` columns
 * and there are at most `height - 1` lines (the last row stays free for the cursor). Workload
 * and fault rows shrink first when rows are short.
 */
export function layoutDashboard(model: DashboardModel, size: ScreenSize): Line[] {
  const width = Math.max(MIN_WIDTH, size.width)
  const head = headerLines(model, width)
  const live = livePanelLines(model)
  const verdicts = verdictLines(model, width)
  const tail = tailLines(model)
  // Rule lines: one under the header, one before the live panel, faults, verdicts.
  const fixed = head.length + live.length + verdicts.length + tail.length + 4
  const spare = Math.max(2, size.height - 1 - fixed)
  const workloadRows = Math.max(1, Math.ceil(spare / 2))
  const faultRows = Math.max(1, spare - workloadRows)
  const body = [
    ...head,
    rule(width),
    ...workloadLines(model, width, workloadRows),
    rule(width),
    ...live,
    rule(width),
    ...faultLines(model, width, faultRows),
    rule(width),
    ...verdicts,
    ...tail,
  ]
  return body.slice(0, Math.max(1, size.height - 1)).map((line) => fitLine(line, width))
}

function headerLines(model: DashboardModel, width: number): Line[] {
  const title: Line = [
    seg(' faultline ', { inverse: true, bold: true }),
    seg(' '),
    seg(model.scenario ?? '(waiting for a run)', { bold: true }),
    seg(
      `${model.seed === undefined ? '' : `  seed ${model.seed}`}${model.target === undefined ? '' : `  target ${model.target}`}`,
      { color: 'gray' },
    ),
  ]
  return [withRight(title, ' q quit ', width), phaseLine(model)]
}

function phaseLine(model: DashboardModel): Line {
  const line: Line = [seg(' phase '), seg(model.phase, { bold: true, color: 'cyan' })]
  if (model.loadDurationMs <= 0) return line
  const done = Math.min(1, model.loadElapsedMs / model.loadDurationMs)
  const barWidth = 20
  const filled = Math.round(done * barWidth)
  return [
    ...line,
    seg(`  ${seconds(loadRemainingMs(model))} of load left  `),
    seg('█'.repeat(filled), { color: 'cyan' }),
    seg('░'.repeat(barWidth - filled), { color: 'gray' }),
    seg(` ${Math.round(done * 100)}%`),
  ]
}

function tailLines(model: DashboardModel): Line[] {
  const lines: Line[] = []
  const warning = model.warnings.at(-1)
  if (warning !== undefined) lines.push(textLine(` ! ${warning}`, { color: 'yellow' }))
  if (model.status !== undefined) {
    const good = model.status === 'passed'
    lines.push(textLine(` run ${model.status}`, { bold: true, color: good ? 'green' : 'red' }))
  }
  return lines
}

function withRight(line: Line, right: string, width: number): Line {
  const used = line.reduce((n, s) => n + [...s.text].length, 0)
  const gap = width - used - right.length
  return gap < 1 ? line : [...line, seg(' '.repeat(gap)), seg(right, { color: 'gray' })]
}

function rule(width: number): Line {
  return textLine('─'.repeat(width), { color: 'gray' })
}

/** Seconds for a label: `12s`, `1m05s`. */
export function seconds(ms: number): string {
  const s = Math.ceil(ms / 1000)
  if (s < 60) return `${s}s`
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
}
