import type { DrainRow, LatencyRow, Report } from './report.js'

const RELAY_A = 'relay A (pgoutput)'
const DEBEZIUM_PREFIX = 'Debezium'

const f0 = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? n.toFixed(0) : 'n/a')
const verdict = (ok: boolean | undefined) =>
  ok === undefined ? 'not measured' : ok ? '**met**' : '**missed**'

function drainOf(
  r: Report,
  system: (name: string) => boolean,
  perTx: number,
): DrainRow | undefined {
  return r.drains.find((d) => system(d.system) && d.perTx === perTx)
}

/** The step at `rate` if the writer really offered it (within 10 %). */
function stepAt(r: Report, system: (name: string) => boolean, perTx: number, rate: number) {
  return r.latencies.find(
    (l: LatencyRow) =>
      system(l.system) &&
      l.perTx === perTx &&
      l.targetRate === rate &&
      l.achievedRate >= 0.9 * rate,
  )
}

/** One line per target of the issue, computed from the run's numbers. */
export function targetLines(r: Report): string[] {
  const isA = (n: string) => n === RELAY_A
  const isDbz = (n: string) => n.startsWith(DEBEZIUM_PREFIX)
  const a2 = drainOf(r, isA, 10)
  const lines: string[] = []
  lines.push(
    `- Relay A sustains ≥ 10,000 events/s in W2: ${f0(a2?.eventsPerSecond)} events/s — ${verdict(a2 && a2.eventsPerSecond >= 10_000)}.`,
  )
  lines.push(
    `- Relay A reaches ≥ 70 % of the raw producer in W2: ${a2 ? (a2.eventsPerSecond / r.raw).toFixed(2) : 'n/a'}x of ${f0(r.raw)} events/s — ${verdict(a2 && a2.eventsPerSecond >= 0.7 * r.raw)}.`,
  )
  for (const perTx of [1, 10]) {
    const at2000 = stepAt(r, isA, perTx, 2000)
    const w = perTx === 1 ? 'W1' : 'W2'
    lines.push(
      at2000
        ? `- p99 commit→Kafka ≤ 100 ms at 2,000 events/s (${w}): relay A p99 ${f0(at2000.p99)} ms at an achieved ${f0(at2000.achievedRate)} events/s — ${verdict(at2000.p99 <= 100)}.`
        : `- p99 commit→Kafka ≤ 100 ms at 2,000 events/s (${w}): the writer did not reach 2,000 events/s (within 10 %), so not measured at that rate.`,
    )
  }
  for (const perTx of [1, 10]) {
    const a = drainOf(r, isA, perTx)
    const d = drainOf(r, isDbz, perTx)
    if (!a || !d) {
      lines.push(`- Relay A ≥ 1.0x Debezium's throughput (${perTx} event/tx): not measured.`)
      continue
    }
    const ratio = a.eventsPerSecond / d.eventsPerSecond
    lines.push(
      `- Relay A ≥ 1.0x Debezium's sustained throughput (${perTx} event/tx): ${f0(a.eventsPerSecond)} vs ${f0(d.eventsPerSecond)} events/s = ${ratio.toFixed(2)}x — ${verdict(ratio >= 1)}.`,
    )
  }
  for (const l of r.latencies.filter((x) => isA(x.system))) {
    const d = r.latencies.find(
      (x) => isDbz(x.system) && x.perTx === l.perTx && x.targetRate === l.targetRate,
    )
    if (!d) continue
    lines.push(
      `- Lower p99 than Debezium (${l.perTx} event/tx, ${l.targetRate} events/s offered): relay A ${f0(l.p99)} ms vs Debezium ${f0(d.p99)} ms — ${verdict(l.p99 < d.p99)}.`,
    )
  }
  return lines
}
