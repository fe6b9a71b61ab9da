import { CliError } from '../errors.js'
import { addSample, createSeries, mergeSeries, type Series } from './series.js'
import type { MetricDeclaration, Tags } from './types.js'

/** A declared metric and its samples, one series per distinct tag set. */
interface MetricEntry {
  readonly declaration: MetricDeclaration
  /** Who declared it: `engine`, `target`, `checker:<name>`. */
  readonly source: string
  readonly series: Map<string, { readonly tags: Tags; readonly series: Series }>
}

/**
 * The run's metrics, k6 style: trends (HdrHistograms in µs), rates, counters and gauges, each
 * sample tagged (`{ workload, op }`). Queries merge the series whose tags match a filter, so
 * `http_req_duration{op:read-product}` aggregates over every workload. Metrics are declared before
 * the run so a threshold on an unknown one is refused before anything starts.
 */
export class MetricsRegistry {
  private readonly metrics = new Map<string, MetricEntry>()

  /** Declares a metric; declaring the same name twice with another type is an error. */
  declare(declaration: MetricDeclaration, source: string): void {
    const existing = this.metrics.get(declaration.name)
    if (existing !== undefined) {
      if (existing.declaration.type === declaration.type) return
      throw new CliError(
        'E_CLI_INVALID_OPTION',
        `Metric '${declaration.name}' is declared as a ${existing.declaration.type} by ${existing.source} and as a ${declaration.type} by ${source}; rename one.`,
      )
    }
    this.metrics.set(declaration.name, { declaration, source, series: new Map() })
  }

  /** The declaration of `name`, or undefined. */
  declaration(name: string): MetricDeclaration | undefined {
    return this.metrics.get(name)?.declaration
  }

  /** Who declared `name`. */
  source(name: string): string | undefined {
    return this.metrics.get(name)?.source
  }

  /** Every declared metric name, sorted. */
  names(): string[] {
    return [...this.metrics.keys()].sort()
  }

  /** Adds a sample (see `addSample` for what `value` means per type). Unknown names throw. */
  add(name: string, value: number, tags: Tags = {}): void {
    const entry = this.metrics.get(name)
    if (entry === undefined)
      throw new CliError('E_CLI_UNKNOWN_METRIC', `Metric '${name}' was never declared.`)
    const key = tagKey(tags)
    let slot = entry.series.get(key)
    if (slot === undefined) {
      slot = { tags, series: createSeries(entry.declaration.type) }
      entry.series.set(key, slot)
    }
    addSample(slot.series, value)
  }

  /** The merged series of the samples whose tags include every `filter` tag; undefined if unknown. */
  query(name: string, filter: Tags = {}): Series | undefined {
    const entry = this.metrics.get(name)
    if (entry === undefined) return undefined
    const parts = [...entry.series.values()]
      .filter((slot) => matches(slot.tags, filter))
      .map((s) => s.series)
    return mergeSeries(entry.declaration.type, parts)
  }

  /** The distinct values each tag takes in a metric's samples, e.g. `{ op: ['read-product'] }`. */
  tagValues(name: string): Record<string, string[]> {
    const out: Record<string, Set<string>> = {}
    for (const slot of this.metrics.get(name)?.series.values() ?? []) {
      for (const [tag, value] of Object.entries(slot.tags)) (out[tag] ??= new Set()).add(value)
    }
    return Object.fromEntries(Object.entries(out).map(([tag, values]) => [tag, [...values].sort()]))
  }
}

/** A stable key for a tag set. */
export function tagKey(tags: Tags): string {
  return Object.keys(tags)
    .sort()
    .map((name) => `${name}=${tags[name]}`)
    .join(',')
}

function matches(tags: Tags, filter: Tags): boolean {
  return Object.entries(filter).every(([name, value]) => tags[name] === value)
}
