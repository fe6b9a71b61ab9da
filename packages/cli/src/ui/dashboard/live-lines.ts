import type { DashboardModel } from '../../core/dashboard-model.js'
import { liveValue, type LiveMetricKey } from '../../core/live-metrics.js'
import { trim } from '../format.js'
import { seg, type Line, type Segment } from './segments.js'

/** A value, or a gray `n/a` when the target does not report it. */
function value(
  model: DashboardModel,
  key: LiveMetricKey,
  format: (n: number) => string,
  bad?: (n: number) => boolean,
): Segment {
  const n = liveValue(model.live, key)
  if (n === undefined) return seg('n/a', { color: 'gray' })
  return seg(format(n), bad?.(n) === true ? { color: 'red', bold: true } : { bold: true })
}

const count = (n: number): string => String(Math.round(n))

/**
 * The target's live state: cache hit ratio and stale reads, saga states, consumer and relay lag.
 * Each value the target does not report reads `n/a`.
 */
export function livePanelLines(model: DashboardModel): Line[] {
  return [
    [
      seg(' CACHE   ', { bold: true }),
      seg('hit ratio '),
      value(model, 'cacheHitRatio', (n) => `${trim(n * 100)}%`),
      seg('   stale reads '),
      value(model, 'staleReads', count, (n) => n > 0),
    ],
    [
      seg(' SAGAS   ', { bold: true }),
      seg('running '),
      value(model, 'sagasRunning', count),
      seg('  completed '),
      value(model, 'sagasCompleted', count),
      seg('  compensated '),
      value(model, 'sagasCompensated', count),
      seg('  failed '),
      value(model, 'sagasFailed', count, (n) => n > 0),
    ],
    [
      seg(' LAG     ', { bold: true }),
      seg('consumer '),
      value(model, 'consumerLag', (n) => `${count(n)} msgs`),
      seg('   relay '),
      value(model, 'relayLag', (n) => `${trim(n)} s`),
    ],
  ]
}
