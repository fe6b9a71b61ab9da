import { SPARK_WINDOW, type DashboardModel } from '../../core/dashboard-model.js'
import { formatMs } from '../format.js'
import { sparkline } from '../sparkline.js'
import { cell, seg, textLine, type Line } from './segments.js'

const NAME = 12
const RPS = 8
const LATENCY = 9
const ERRORS = 11
/** Columns besides the sparkline: indent, name, rps, p50, p99, two gaps, errors. */
const FIXED = 1 + NAME + RPS + LATENCY * 2 + 2 + 1 + ERRORS

/**
 * One row per workload: RPS, p50 and p99 over the last second, a sparkline of p99 over the last
 * minute (as wide as the screen allows, at most 60 s), errors last second and in all. At most
 * `rows` lines including the header; the rest are counted in a last row.
 */
export function workloadLines(model: DashboardModel, width: number, rows: number): Line[] {
  const spark = Math.max(0, Math.min(SPARK_WINDOW, width - FIXED))
  const header = textLine(
    ` ${cell('WORKLOAD', NAME)}${cell('RPS', RPS, 'right')}${cell('p50', LATENCY, 'right')}${cell('p99', LATENCY, 'right')}  ${cell(spark >= 12 ? `p99, last ${spark}s` : '', spark)} ${cell('ERR (all)', ERRORS, 'right')}`,
    { bold: true },
  )
  if (model.workloads.length === 0)
    return [header, textLine(' waiting for the first sample…', { color: 'gray' })]
  const room = Math.max(1, rows - 1)
  const shown =
    model.workloads.length <= room ? model.workloads : model.workloads.slice(0, room - 1)
  const lines: Line[] = [header]
  for (const w of shown) {
    lines.push([
      seg(` ${cell(w.name, NAME)}`, { bold: true }),
      seg(cell(String(w.rps), RPS, 'right'), { color: 'cyan' }),
      seg(cell(formatMs(w.p50Ms ?? undefined), LATENCY, 'right')),
      seg(cell(formatMs(w.p99Ms ?? undefined), LATENCY, 'right')),
      seg('  '),
      seg(sparkline(w.p99History, spark), { color: 'magenta' }),
      seg(' '),
      seg(cell(`${w.errors} (${w.failed})`, ERRORS, 'right'), {
        ...(w.errors > 0 ? { color: 'red' as const, bold: true } : {}),
      }),
    ])
  }
  const hidden = model.workloads.length - shown.length
  if (hidden > 0) lines.push(textLine(` … ${hidden} more workloads`, { color: 'gray' }))
  return lines
}
