/** The metric types, as in k6. */
export type MetricType = 'trend' | 'rate' | 'counter' | 'gauge'

/** A metric as a source declares it. */
export interface MetricDeclaration {
  /** `[A-Za-z_][A-Za-z0-9_]*`, e.g. `http_req_duration`. */
  readonly name: string
  readonly type: MetricType
  /** One line for `--help` and the summary. */
  readonly description: string
  /** `ms` for time trends (stored in µs, shown and compared in ms). */
  readonly unit?: 'ms' | 'count' | 'ratio' | 'bytes'
  /** The tag names its samples may carry, e.g. `['workload', 'op']`. */
  readonly tags?: readonly string[]
}

/** Tags of a sample, e.g. `{ workload: 'readers', op: 'read-product' }`. */
export type Tags = Readonly<Record<string, string>>

/**
 * A metric's values over the samples that match a tag filter. Trend times are in ms. Absent fields
 * have no data (a trend or rate without samples), which a threshold treats as a failure.
 */
export interface MetricValues {
  readonly count?: number
  /** Counter: per second over the run; rate: the share of true samples. */
  readonly rate?: number
  readonly avg?: number
  readonly min?: number
  readonly med?: number
  readonly max?: number
  readonly p90?: number
  readonly p95?: number
  readonly p99?: number
  readonly 'p99.9'?: number
  /** Gauge: the last value. */
  readonly value?: number
}
