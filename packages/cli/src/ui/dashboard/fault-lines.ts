import type { DashboardModel, FaultState, FaultView } from '../../core/dashboard-model.js'
import { cell, seg, textLine, type Line, type Segment } from './segments.js'

const LABEL = ' FAULTS  '

/** Glyph and color of a fault's window on the timeline, by state. */
const BAR: Readonly<Record<FaultState, Omit<Segment, 'text'> & { glyph: string }>> = {
  active: { glyph: '█', color: 'red', bold: true },
  pending: { glyph: '░', color: 'yellow' },
  ended: { glyph: '▒', color: 'gray' },
  failed: { glyph: '▒', color: 'red' },
}

/** Which faults to list first when rows are short: the active ones, then what comes next. */
const ORDER: Readonly<Record<FaultState, number>> = { active: 0, failed: 1, pending: 2, ended: 3 }

/**
 * The fault timeline: one bar over the load's duration with each fault's window drawn (active
 * ones in red) and `▲` at now, then one row per fault, active ones highlighted, at most `rows`
 * lines in all.
 */
export function faultLines(model: DashboardModel, width: number, rows: number): Line[] {
  if (model.faults.length === 0) return [textLine(`${LABEL}none scheduled`, { color: 'gray' })]
  const lines: Line[] = [[seg(LABEL, { bold: true }), ...timelineBar(model, width - LABEL.length)]]
  const room = Math.max(0, rows - 1)
  const ranked = [...model.faults].sort(
    (a, b) => ORDER[a.state] - ORDER[b.state] || a.startMs - b.startMs,
  )
  const shown = ranked.length <= room ? ranked : ranked.slice(0, Math.max(0, room - 1))
  for (const fault of shown) lines.push(faultRow(fault, width))
  const hidden = ranked.length - shown.length
  if (hidden > 0 && room > 0) lines.push(textLine(`   … ${hidden} more faults`, { color: 'gray' }))
  return lines
}

function timelineBar(model: DashboardModel, width: number): Segment[] {
  const duration = Math.max(1, model.loadDurationMs)
  const cells: Segment[] = Array.from({ length: width }, () => seg('·', { color: 'gray' }))
  for (const state of ['ended', 'failed', 'pending', 'active'] as const) {
    for (const fault of model.faults.filter((f) => f.state === state)) {
      const from = Math.floor((fault.startMs / duration) * width)
      const to = Math.max(from + 1, Math.ceil((fault.endMs / duration) * width))
      const { glyph, ...style } = BAR[state]
      for (let i = from; i < Math.min(width, to); i++) cells[i] = seg(glyph, style)
    }
  }
  if (model.phase === 'load') {
    const now = Math.min(width - 1, Math.floor((model.loadElapsedMs / duration) * width))
    cells[now] = seg('▲', { color: 'cyan', bold: true })
  }
  return merge(cells)
}

/** Joins neighbouring cells of one style, so a bar is a few segments, not one per column. */
function merge(cells: readonly Segment[]): Segment[] {
  const out: Segment[] = []
  for (const c of cells) {
    const last = out.at(-1)
    if (last !== undefined && sameStyle(last, c))
      out[out.length - 1] = { ...last, text: last.text + c.text }
    else out.push(c)
  }
  return out
}

function sameStyle(a: Segment, b: Segment): boolean {
  return a.color === b.color && a.bold === b.bold && a.inverse === b.inverse
}

function faultRow(fault: FaultView, width: number): Line {
  const window = `${secondsOf(fault.startMs)}–${secondsOf(fault.endMs)}`
  const text = `#${fault.id} ${fault.kind} ${fault.target}`
  const label = fault.state === 'failed' ? `failed: ${fault.error ?? ''}` : fault.state
  const main = cell(text, Math.max(10, width - window.length - 16))
  switch (fault.state) {
    case 'active':
      return [
        seg(' ▶ ', { color: 'red', bold: true }),
        seg(main, { color: 'red', bold: true }),
        seg(` ${window} `),
        seg(' ACTIVE ', { color: 'red', bold: true, inverse: true }),
      ]
    case 'pending':
      return [seg(' ○ '), seg(main), seg(` ${window} `), seg(label, { color: 'yellow' })]
    case 'ended':
      return [
        seg(' ✓ ', { color: 'gray' }),
        seg(main, { color: 'gray' }),
        seg(` ${window} ${label}`, { color: 'gray' }),
      ]
    case 'failed':
      return [
        seg(' ✗ ', { color: 'red' }),
        seg(main),
        seg(` ${window} `),
        seg(label, { color: 'red' }),
      ]
  }
}

function secondsOf(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`
}
