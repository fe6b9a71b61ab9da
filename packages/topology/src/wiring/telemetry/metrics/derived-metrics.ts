import { Counter, Gauge, type Registry } from 'prom-client'
import { checkMetricName } from './metric-names.js'

/** Labels of one series. */
export type Labels = Readonly<Record<string, string>>

/** One labelled value a reader returns. */
export interface LabelledValue {
  readonly labels: Labels
  readonly value: number
}

/** A counter or gauge whose values are read from a kit at scrape time. */
export interface DerivedMetricSpec {
  readonly name: string
  readonly help: string
  readonly labelNames?: readonly string[]
}

type Reader = () => readonly LabelledValue[] | Promise<readonly LabelledValue[]>

const COLLECT_TIMEOUT_MS = 2000

/** Readers per registry and metric name: two caches (or relays) feed one metric. */
const readers = new WeakMap<Registry, Map<string, Reader[]>>()

function addReader(registry: Registry, name: string, read: Reader): boolean {
  const byName = readers.get(registry) ?? new Map<string, Reader[]>()
  readers.set(registry, byName)
  const list = byName.get(name)
  byName.set(name, [...(list ?? []), read])
  return list !== undefined
}

function readersOf(registry: Registry, name: string): Reader[] {
  return readers.get(registry)?.get(name) ?? []
}

function failures(registry: Registry): Counter<'metric'> {
  const name = 'metrics_collect_failures_total'
  const existing = registry.getSingleMetric(name)
  if (existing !== undefined) return existing as Counter<'metric'>
  return new Counter({
    name,
    help: 'Scrape-time reads of a metric that failed or timed out; the previous values were kept.',
    labelNames: ['metric'],
    registers: [registry],
  })
}

async function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), COLLECT_TIMEOUT_MS)
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Every reader's values; undefined when any failed (the caller keeps what it had). */
async function readAll(registry: Registry, name: string): Promise<LabelledValue[] | undefined> {
  try {
    const all = await withTimeout(
      Promise.all(readersOf(registry, name).map((read) => Promise.resolve().then(read))),
    )
    return all.flat()
  } catch {
    failures(registry).inc({ metric: name })
    return undefined
  }
}

const keyOf = (labels: Labels) => JSON.stringify(Object.entries(labels).sort())

/**
 * A counter fed by cumulative readings (a kit's `stats()`): each scrape adds what a reading grew
 * by. A reading that went down (the kit object was recreated) restarts its series, as a process
 * restart would.
 */
export function counterFrom(
  registry: Registry,
  spec: DerivedMetricSpec,
  read: () => readonly LabelledValue[],
): void {
  if (addReader(registry, spec.name, read)) return
  const last = new Map<string, number>()
  new Counter({
    name: checkMetricName(spec.name, 'counter'),
    help: spec.help,
    labelNames: [...(spec.labelNames ?? [])],
    registers: [registry],
    async collect() {
      for (const { labels, value } of (await readAll(registry, spec.name)) ?? []) {
        const key = keyOf(labels)
        const delta = value - (last.get(key) ?? 0)
        if (delta < 0) this.remove(labels)
        this.inc(labels, delta < 0 ? value : delta)
        last.set(key, value)
      }
    },
  })
}

/**
 * A gauge read at scrape time, synchronously or not (a database count). A read that throws or
 * takes over 2 s keeps the previous values and counts in `metrics_collect_failures_total`
 * (which the registry renders before the gauges it counts, so a failure shows from the next
 * scrape on): one slow source never fails or stalls the whole scrape.
 */
export function gaugeFrom(registry: Registry, spec: DerivedMetricSpec, read: Reader): void {
  if (addReader(registry, spec.name, read)) return
  failures(registry)
  new Gauge({
    name: checkMetricName(spec.name, 'gauge'),
    help: spec.help,
    labelNames: [...(spec.labelNames ?? [])],
    registers: [registry],
    async collect() {
      const values = await readAll(registry, spec.name)
      if (values === undefined) return
      // Series the sources no longer report (a saga state now at zero rows) must go.
      this.reset()
      for (const { labels, value } of values) this.set(labels, value)
    },
  })
}
