import type { MetricType, MetricValues } from './types.js'
import { createTrendHistogram, percentileMs, recordUs, type TrendHistogram } from './trend.js'

/** The samples of one metric with one tag set. */
export type Series =
  | { readonly type: 'trend'; readonly histogram: TrendHistogram }
  | { readonly type: 'rate'; trues: number; total: number }
  | { readonly type: 'counter'; sum: number }
  | { readonly type: 'gauge'; last: number; min: number; max: number; samples: number }

/** An empty series of a type. */
export function createSeries(type: MetricType): Series {
  switch (type) {
    case 'trend':
      return { type, histogram: createTrendHistogram() }
    case 'rate':
      return { type, trues: 0, total: 0 }
    case 'counter':
      return { type, sum: 0 }
    case 'gauge':
      return { type, last: 0, min: Infinity, max: -Infinity, samples: 0 }
  }
}

/** Adds a sample: trend µs, rate 0/1 (or boolean), counter increment, gauge value. */
export function addSample(series: Series, value: number): void {
  switch (series.type) {
    case 'trend':
      recordUs(series.histogram, value)
      return
    case 'rate':
      series.total++
      if (value !== 0) series.trues++
      return
    case 'counter':
      series.sum += value
      return
    case 'gauge':
      series.last = value
      series.min = Math.min(series.min, value)
      series.max = Math.max(series.max, value)
      series.samples++
      return
  }
}

/** Merges matching series into one (a fresh series; the inputs are unchanged). */
export function mergeSeries(type: MetricType, parts: readonly Series[]): Series {
  const merged = createSeries(type)
  for (const part of parts) {
    if (merged.type === 'trend' && part.type === 'trend') merged.histogram.add(part.histogram)
    else if (merged.type === 'rate' && part.type === 'rate') {
      merged.trues += part.trues
      merged.total += part.total
    } else if (merged.type === 'counter' && part.type === 'counter') merged.sum += part.sum
    else if (merged.type === 'gauge' && part.type === 'gauge' && part.samples > 0) {
      merged.last = part.last
      merged.min = Math.min(merged.min, part.min)
      merged.max = Math.max(merged.max, part.max)
      merged.samples += part.samples
    }
  }
  return merged
}

/** The values of a series; `elapsedMs` turns a counter into a per-second rate. */
export function seriesValues(series: Series, elapsedMs: number): MetricValues {
  switch (series.type) {
    case 'trend':
      return trendValues(series.histogram)
    case 'rate':
      return series.total === 0
        ? { count: 0 }
        : { count: series.trues, rate: series.trues / series.total }
    case 'counter':
      return { count: series.sum, rate: elapsedMs > 0 ? series.sum / (elapsedMs / 1000) : 0 }
    case 'gauge':
      return series.samples === 0 ? {} : { value: series.last, min: series.min, max: series.max }
  }
}

function trendValues(histogram: TrendHistogram): MetricValues {
  const count = histogram.totalCount
  if (count === 0) return { count: 0 }
  return {
    count,
    avg: histogram.mean / 1000,
    min: histogram.minNonZeroValue / 1000,
    med: percentileMs(histogram, 50),
    max: histogram.maxValue / 1000,
    p90: percentileMs(histogram, 90),
    p95: percentileMs(histogram, 95),
    p99: percentileMs(histogram, 99),
    'p99.9': percentileMs(histogram, 99.9),
  }
}
