import * as hdr from 'hdr-histogram-js'

/** The longest time a trend keeps exactly: one hour, in µs; longer samples clamp to it. */
export const TREND_MAX_US = 3_600_000_000

/** An HdrHistogram of µs values: 1 µs to 1 h, 3 significant digits. */
export type TrendHistogram = hdr.Histogram

/** A new µs histogram (the pure-JS packed build: small for sparse data, no WebAssembly to load). */
export function createTrendHistogram(): TrendHistogram {
  return hdr.build({
    bitBucketSize: 'packed',
    lowestDiscernibleValue: 1,
    highestTrackableValue: TREND_MAX_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  })
}

/** Records a µs value, clamped to [1, TREND_MAX_US] so an outlier cannot throw mid-run. */
export function recordUs(histogram: TrendHistogram, us: number): void {
  histogram.recordValue(Math.min(TREND_MAX_US, Math.max(1, Math.round(us))))
}

/** A percentile (0..100) of a histogram, in ms. */
export function percentileMs(histogram: TrendHistogram, percentile: number): number {
  return histogram.getValueAtPercentile(percentile) / 1000
}
