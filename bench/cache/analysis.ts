import { costs } from './micro.js'
import type { Results } from './report.js'
import type { SystemName } from './systems.js'

/**
 * The "Reading the results" section, generated from the run's own numbers so it can never
 * contradict the tables above it (it used to be written by hand and was lost on every run).
 * Fixed text explains mechanisms only; every figure and verdict is computed here.
 */
export function renderAnalysis(r: Results): string[] {
  return [
    '## Reading the results (generated from this run by bench/cache/analysis.ts)',
    '',
    ...l1Lines(r),
    ...l2Lines(r),
    ...writePriceLines(r),
    ...steadyLines(r),
    ...resilienceLines(r),
    '',
  ]
}

const int = (n: number | undefined): string =>
  n === undefined ? '–' : Math.round(n).toLocaleString('en-US')
const x = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || b === 0 ? '–' : `${(a / b).toFixed(2)}x`
const met = (a: number | undefined, b: number | undefined, target: number): string =>
  a !== undefined && b !== undefined && b > 0 && a / b >= target ? 'met' : 'missed'

/** Median µs/call of `command` in the commandstats lines of one system at one concurrency. */
function redisUs(costs: readonly string[], prefix: string, command: string): string {
  const values = costs
    .filter((line) => line.startsWith(prefix))
    .map((line) => new RegExp(`(?:^|: |, )${command} ([\\d.]+) µs/call`).exec(line)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
    .sort((a, b) => a - b)
  const mid = values[Math.floor(values.length / 2)]
  return mid === undefined ? '–' : `${mid.toFixed(2)} µs`
}

function l1Lines(r: Results): string[] {
  const kit = r.l1['cache-kit']
  return [
    `- **L1 hit: ${met(kit, r.l1.bentocache, 0.9)}.** cache-kit ${int(kit)} ops/s against BentoCache ${int(r.l1.bentocache)} (${x(kit, r.l1.bentocache)}); cache-manager ${int(r.l1['cache-manager'])}. All three keep JSON in L1 and decode on every hit.`,
  ]
}

/** Median over rounds of cache-kit / raw GET, each ratio from the same round (adjacent cells). */
function pairedRatio(samples: Partial<Record<string, number[]>> | undefined): string {
  const kit = samples?.['cache-kit'] ?? []
  const raw = samples?.['raw GET'] ?? []
  const ratios = kit
    .map((k, i) => (raw[i] === undefined || raw[i] === 0 ? undefined : k / raw[i]))
    .filter((v): v is number => v !== undefined)
    .sort((a, b) => a - b)
  if (ratios.length === 0) return '–'
  const list = ratios.map((v) => v.toFixed(2)).join(', ')
  return `${ratios[Math.floor(ratios.length / 2)]!.toFixed(2)}x (per-round ratios ${list})`
}

function l2Lines(r: Results): string[] {
  const n = r.ctx.micro.concurrency
  const cell = (c: number, row: Partial<Record<string, number>>) =>
    `${x(row['cache-kit'], row['raw GET'])} at concurrency ${c} (${int(row['cache-kit'])} vs ${int(row['raw GET'])} ops/s; ${met(row['cache-kit'], row['raw GET'], 0.85)})`
  return [
    `- **L2 hit against raw GET (target ≥ 0.85x):** ${cell(n, r.l2cN)}, and ${cell(1, r.l2c1)}. Against BentoCache, which also does one GET per hit: ${x(r.l2cN['cache-kit'], r.l2cN.bentocache)} and ${x(r.l2c1['cache-kit'], r.l2c1.bentocache)}.`,
    '  - A cache-kit L2 hit is one plain `GET` of a packed string (version, LSN, times, tags and the payload, serialized once by the filler). The ticket, watermark and lease are read only on the miss path, by the Lua read script. Fencing is unchanged: only the Lua fill script writes the entry, after checking the ticket, watermarks and cached version, and every invalidation deletes it while it raises the tombstone, so a `GET` never sees a voided entry.',
    `  - The same cells as the median of per-round ratios (cache-kit and raw GET measured back to back in each round, so load swings on the shared machine hit both): ${pairedRatio(r.l2Samples?.cN)} at concurrency ${n}; ${pairedRatio(r.l2Samples?.c1)} at concurrency 1.`,
    `  - Redis time per \`GET\` (median over rounds) at concurrency ${n}: cache-kit ${redisUs(costs, `c=${n} cache-kit`, 'get')}, raw ${redisUs(costs, `c=${n} raw GET`, 'get')}. At concurrency 1: cache-kit ${redisUs(costs, 'c=1 cache-kit', 'get')}, raw ${redisUs(costs, 'c=1 raw GET', 'get')}.`,
    '  - What remains is client work per hit that raw GET + JSON.parse does not do: the key check, a local fence ticket (for copying into L1), the store timeout bookkeeping, parsing the entry header, the hit event and the eager-refresh check. On this shared 2-core machine the client and Redis compete for the same cores, so that CPU shows up directly in ops/s; `bench/cache/cpu-l2.ts` measures it per hit.',
    '  - Before the packed layout, an L2 hit was one `EVALSHA` reading two hashes (13 fields back) at 16–28 µs of Redis time, and measured 0.39x (c=32) and 0.43x (c=1) of raw GET (docs/benchmarks/cache.md at commit 8f68d76).',
  ]
}

function extraMs(kit: number | undefined, raw: number | undefined): string {
  if (kit === undefined || raw === undefined || kit === 0 || raw === 0) return '–'
  return `${(1000 / kit - 1000 / raw).toFixed(2)} ms`
}

function writePriceLines(r: Results): string[] {
  const f = r.fills
  const i = r.invalidations
  return [
    '- **The price of fencing, on writes (concurrency 1):**',
    `  - Fill (miss, then set): ${int(f['cache-kit'])} ops/s against ${int(f.ioredis)} for raw \`GET\` + \`SET\` (${x(f['cache-kit'], f.ioredis)}), ${extraMs(f['cache-kit'], f.ioredis)} more per fill: the hit-path \`GET\` that misses, a Lua read that takes the lease, and a Lua fill that checks the ticket.`,
    `  - Invalidation: ${int(i['cache-kit'])} ops/s against ${int(i.ioredis)} for raw \`DEL\` (${x(i['cache-kit'], i.ioredis)}), ${extraMs(i['cache-kit'], i.ioredis)} more: a tombstone script plus a bus publish.`,
    `  - Against BentoCache, which also publishes to a bus: ${x(f['cache-kit'], f.bentocache)} for fills, ${x(i['cache-kit'], i.bentocache)} for invalidations.`,
  ]
}

function steadyLines(r: Results): string[] {
  const by = (s: SystemName) => r.steady.find((row) => row.system === s)
  const kit = by('cache-kit')
  const peers: SystemName[] = ['bentocache', 'cache-manager', 'ioredis']
  const rejected = kit?.details?.fillsRejected
  return [
    `- **Steady Zipf 95/5:** cache-kit ${int(kit?.opsPerSec)} ops/s; ${peers.map((s) => `${x(kit?.opsPerSec, by(s)?.opsPerSec)} ${s} (${int(by(s)?.opsPerSec)})`).join(', ')}. Raw cache-aside has no L1, no bus and no fencing; cache-manager has no bus and no fencing.`,
    `  - Hit ratios: ${['cache-kit' as const, ...peers].map((s) => `${s} ${by(s) === undefined ? '–' : `${(by(s)!.hitRatio * 100).toFixed(1)}%`}`).join(', ')}. p99: ${['cache-kit' as const, ...peers].map((s) => `${s} ${by(s)?.p99 ?? '–'} ms`).join(', ')}.`,
    `  - cache-kit refused ${rejected ?? '–'} fills in the measured window (the fill ran into a concurrent invalidation); those reads still returned, but the value was not cached.`,
  ]
}

function resilienceLines(r: Results): string[] {
  const herd = (s: SystemName) => r.herds.find((h) => h.system === s)
  const pause = (s: SystemName) => r.pauses.find((p) => p.system === s)
  const kitPause = pause('cache-kit')
  return [
    `- **Herd:** cache-kit made ${herd('cache-kit')?.meanLoads.toFixed(2) ?? '–'} loader calls per herd on average (max ${herd('cache-kit')?.maxLoads ?? '–'}) across two processes; BentoCache ${herd('bentocache')?.meanLoads.toFixed(2) ?? '–'}, cache-manager ${herd('cache-manager')?.meanLoads.toFixed(2) ?? '–'} (their single-flight is in-process only).`,
    `- **Stale-set race:** stale keys left: ${Object.entries(r.races)
      .map(([s, v]) => `${s} ${v?.stale ?? '–'} of ${v?.races ?? '–'}`)
      .join(', ')}.`,
    `- **Redis pause:** cache-kit ${kitPause?.outageErrors ?? '–'} errors, p99 ${kitPause?.outageP99 ?? '–'} ms, max ${kitPause?.outageMax ?? '–'} ms (the max is bounded by \`storeTimeoutMs\`; then the circuit breaker serves from L1, grace or the loader). ${(['bentocache', 'cache-manager', 'ioredis'] as const).map((s) => `${s}: ${pause(s)?.outageErrors ?? '–'} errors of ${int(pause(s)?.outageOps)} ops, p99 ${pause(s)?.outageP99 ?? '–'} ms`).join('; ')}.`,
  ]
}
