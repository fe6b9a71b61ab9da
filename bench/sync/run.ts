/**
 * Side-by-side benchmark of the sync-kit relays, Debezium and a raw producer on one Postgres and
 * one Kafka broker.
 *
 *   node --conditions=@faultline/source --import tsx bench/sync/run.ts [--quick] [--no-debezium]
 *
 * Writes docs/benchmarks/sync.md (a --quick smoke run writes reports/bench-sync-quick.md instead).
 */
import pg from 'pg'
import { startKafka, startPostgres } from '@faultline/infra'
import { writeReport, type DrainRow, type LatencyRow } from './report.js'
import { brokerRate } from './kafka-read.js'
import { BenchSteps, medianBy } from './steps.js'
import type { StackCpu } from '../common/cpu-sampler.js'
import { rawProducer, relayA, relayB, type RelaySystem } from './systems.js'

const quick = process.argv.includes('--quick')
// 100,000 events: the faster systems drain 20,000 in a quarter of a second, a window in which one
// scheduling hiccup moved the raw limit by a fifth between runs.
const DRAIN_EVENTS = quick ? 5000 : 100_000
/** Measured drains per system (after one discarded warm-up drain); the report gives the median. */
const DRAIN_RUNS = quick ? 1 : 3
const STEP_SECONDS = quick ? 4 : 10
const W1_RATES = quick ? [500, 2000] : [500, 1000, 2000, 3000]
const W2_RATES = quick ? [2000] : [2000, 5000]
const started = performance.now()

const latencyOnly = process.argv.includes('--latency-only')
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
const systems: RelaySystem[] = [relayA, relayB]
if (!process.argv.includes('--no-debezium')) {
  const { debezium } = await import('./debezium.js')
  systems.push(debezium)
}
/** `--only=a,b,debezium` picks systems (relay A, relay B, Debezium) in the order given. */
const byKey: Record<string, RelaySystem | undefined> = {
  a: relayA,
  b: relayB,
  debezium: systems.find((x) => x.name.startsWith('Debezium')),
}
const picked = only
  ? only.map((key) => {
      const system = byKey[key]
      if (!system) throw new Error(`--only: no system "${key}" (use a, b, debezium)`)
      return system
    })
  : systems

const [pgServer, kafka] = await Promise.all([startPostgres(), startKafka()])
const steps = new BenchSteps(pgServer, kafka)

const drains: DrainRow[] = []
for (const perTx of latencyOnly ? [] : [1, 10]) {
  for (const system of picked) {
    drains.push(await steps.drain(system, perTx, DRAIN_EVENTS, DRAIN_RUNS))
    console.log(JSON.stringify(drains[drains.length - 1]))
  }
}
/**
 * The raw producer, measured like the systems (events over the first-to-last broker
 * LogAppendTime): one discarded run that warms its JIT, then the median of `DRAIN_RUNS`.
 */
async function rawLimit(): Promise<{ raw: number; rawRuns: number[]; rawCpu: StackCpu }> {
  const rawRun = async () => {
    const topic = await steps.freshTopic('raw')
    const rawCpu = await rawProducer(kafka.brokers, topic, DRAIN_EVENTS, () => steps.sampleCpu())
    return { topic, rawCpu }
  }
  await rawRun()
  const runs: { raw: number; rawCpu: StackCpu }[] = []
  for (let i = 0; i < DRAIN_RUNS; i++) {
    const { topic, rawCpu } = await rawRun()
    runs.push({ raw: await brokerRate(kafka.brokers, topic, DRAIN_EVENTS), rawCpu })
  }
  return { ...medianBy(runs, (r) => r.raw), rawRuns: runs.map((r) => r.raw) }
}
const noCpu: StackCpu = { node: NaN, pg: NaN, kafka: NaN }
const { raw, rawRuns, rawCpu } = latencyOnly
  ? { raw: NaN, rawRuns: [], rawCpu: noCpu }
  : await rawLimit()
console.log(JSON.stringify({ raw, rawRuns, rawCpu }))

/** Commit→Kafka for every system with nothing consuming; then the relays with a read model. */
const latencies: LatencyRow[] = []
const readModelLatencies: LatencyRow[] = []
for (const system of picked) {
  latencies.push(...(await steps.latency(system, 1, W1_RATES, STEP_SECONDS, false)))
  latencies.push(...(await steps.latency(system, 10, W2_RATES, STEP_SECONDS, false)))
}
for (const system of picked.filter((s) => s.envelopes)) {
  readModelLatencies.push(...(await steps.latency(system, 1, W1_RATES, STEP_SECONDS, true)))
  readModelLatencies.push(...(await steps.latency(system, 10, W2_RATES, STEP_SECONDS, true)))
}

const versionPool = new pg.Pool({ connectionString: pgServer.url })
const pgVersion = (
  await versionPool.query<{ v: string }>("SELECT current_setting('server_version') AS v")
).rows[0]!.v
await versionPool.end()
await writeReport({
  quick,
  drains,
  raw,
  rawRuns,
  rawCpu,
  latencies,
  readModelLatencies,
  seconds: (performance.now() - started) / 1000,
  drainEvents: DRAIN_EVENTS,
  stepSeconds: STEP_SECONDS,
  pgVersion,
})
await Promise.all([pgServer.stop(), kafka.stop()])
