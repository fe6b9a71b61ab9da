import { appendFileSync } from 'node:fs'
import type { RunClock } from './clock.js'
import type { MetricsSampledEvent } from './events.js'
import { EVENTS_SCHEMA } from './events.js'
import type { WorkloadStats } from './load/workload-stats.js'
import type { MetricsRegistry } from './metrics/registry.js'
import type { Target } from './target.js'

/** Options of {@link startSampler}. */
export interface SamplerOptions {
  readonly clock: RunClock
  readonly loadStartUs: number
  readonly intervalMs: number
  readonly stats: readonly WorkloadStats[]
  readonly target: Target
  readonly metrics: MetricsRegistry
  readonly activeFaults: () => number[]
  /** `timeline.ndjson`: every sample, for the report. */
  readonly timelineFile: string
  readonly emit: (event: MetricsSampledEvent) => void
  readonly warn: (message: string) => void
}

/**
 * Samples each interval: per workload rps and p50/p99 (interval histograms), and the target's live
 * metrics, which also feed the registry as gauges. A slow `liveMetrics()` skips a tick rather than
 * piling calls up. Returns a stop function that takes one last sample.
 */
export function startSampler(options: SamplerOptions): () => Promise<void> {
  let busy: Promise<void> | undefined
  let warned = false
  const sample = async (): Promise<void> => {
    let live: Readonly<Record<string, number>> = {}
    try {
      live = await options.target.liveMetrics()
    } catch (error) {
      if (!warned) options.warn(`live metrics unavailable: ${(error as Error).message}`)
      warned = true
    }
    for (const [name, value] of Object.entries(live)) {
      if (options.metrics.declaration(name) !== undefined && Number.isFinite(value))
        options.metrics.add(name, value)
    }
    const nowUs = options.clock.nowUs()
    const event: MetricsSampledEvent = {
      schema: EVENTS_SCHEMA,
      type: 'metrics:sampled',
      elapsedMs: Math.round(nowUs / 1000),
      loadElapsedMs: Math.round((nowUs - options.loadStartUs) / 1000),
      workloads: options.stats.map((s) => s.sample(nowUs)),
      live,
      activeFaults: options.activeFaults(),
    }
    appendFileSync(options.timelineFile, `${JSON.stringify(event)}\n`)
    options.emit(event)
  }
  const timer = setInterval(() => {
    if (busy !== undefined) return
    busy = sample().finally(() => (busy = undefined))
  }, options.intervalMs)
  return async () => {
    clearInterval(timer)
    await busy
    await sample()
  }
}
