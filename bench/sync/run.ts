/**
 * Side-by-side benchmark of the sync-kit relays on one Postgres and one Kafka broker.
 *
 *   node --conditions=@faultline/source --import tsx bench/sync/run.ts [--quick]
 *
 * Writes docs/benchmarks/sync.md.
 */
import pg from 'pg'
import { startKafka, startPostgres } from '@faultline/infra'
import { migrate } from '@faultline/sync-kit'
import { createKafkaPublisher } from '@faultline/sync-kit/kafka'
import { createLogAppendTopic, readAppendTimes } from './kafka-read.js'
import { writeInThreads } from './load.js'
import { ReadModel } from './read-model.js'
import { writeReport, type DrainRow, type LatencyRow } from './report.js'
import { commitTimes, prepareRelay, rawProducer, startRelay, type RelayName } from './systems.js'

const quick = process.argv.includes('--quick')
const DRAIN_EVENTS = quick ? 5000 : 20_000
const STEP_SECONDS = quick ? 4 : 8
/** Writer threads for paced load: one Node thread tops out near 1,000 single-event commits/s here. */
const WRITER_THREADS = 2
const RELAYS: RelayName[] = ['relay A (pgoutput)', 'relay B (polling)']
const started = performance.now()

const [pgServer, kafka] = await Promise.all([startPostgres(), startKafka()])
let dbCount = 0
let topicCount = 0

async function freshDb() {
  const { url } = await pgServer.createDatabase(`bench_${++dbCount}`)
  const pool = new pg.Pool({ connectionString: url, max: 40 })
  await migrate(pool)
  return { url, pool, slot: `bench_${dbCount}` }
}

async function freshTopic(prefix: string) {
  const topic = `${prefix}.${++topicCount}`
  await createLogAppendTopic(kafka.brokers, topic)
  return topic
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 300_000, everyMs = 5) {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error('benchmark step timed out')
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN

/** Per-event latency from `from` (commit time) to `to`, sorted; events missing in `to` are skipped. */
function latenciesBetween(from: Map<string, number>, to: Map<string, number>): number[] {
  const out: number[] = []
  for (const [id, t] of to) {
    const c = from.get(id)
    if (c !== undefined) out.push(t - c)
  }
  return out.sort((a, b) => a - b)
}

/** Backlog drain: N committed events waiting, then the relay starts; events/s until all acked. */
async function drain(name: RelayName, perTx: number): Promise<DrainRow> {
  const { url, pool, slot } = await freshDb()
  const topic = await freshTopic('drain')
  const publisher = createKafkaPublisher({ brokers: kafka.brokers })
  await prepareRelay(name, slot, url, publisher)
  await writeInThreads({ kind: 'prefill', url, total: DRAIN_EVENTS, perTx }, 1)
  const relay = await startRelay(name, slot, url, publisher, () => topic)
  const start = performance.now() // streaming has begun; connection set-up is not counted
  await until(() => relay.published() >= DRAIN_EVENTS)
  const seconds = (performance.now() - start) / 1000
  await relay.stop()
  await publisher.close()
  await pool.end()
  return { system: name, perTx, events: DRAIN_EVENTS, eventsPerSecond: DRAIN_EVENTS / seconds }
}

/** Rate steps: paced commits; latency = broker LogAppendTime − Postgres commit timestamp. */
async function latency(name: RelayName, perTx: number, rates: number[]): Promise<LatencyRow[]> {
  const { url, pool, slot } = await freshDb()
  const publisher = createKafkaPublisher({ brokers: kafka.brokers })
  let topic = await freshTopic('lat')
  const relay = await startRelay(name, slot, url, publisher, () => topic)
  const rows: LatencyRow[] = []
  const readModelDb = (await pgServer.createDatabase(`bench_rm_${dbCount}`)).url
  for (const rate of rates) {
    topic = await freshTopic('lat')
    const readModel = await ReadModel.start({
      brokers: kafka.brokers,
      url: readModelDb,
      topic,
      name: `rm_${topicCount}`,
    })
    const base = relay.published()
    const load = await writeInThreads(
      {
        kind: 'paced',
        url,
        rate,
        seconds: STEP_SECONDS,
        perTx,
        aggregates: { count: 10_000, prefix: `s${topicCount}-` },
      },
      WRITER_THREADS,
    )
    const writerDone = performance.now()
    await until(() => relay.published() - base >= load.events)
    const catchUpMs = performance.now() - writerDone
    await until(async () => (await readModel.applied()) >= load.events, 300_000, 50)
    const commits = await commitTimes(pool)
    const lat = latenciesBetween(commits, await readAppendTimes(kafka.brokers, topic))
    const rm = latenciesBetween(commits, await readModel.appliedTimes())
    await readModel.stop()
    rows.push({
      system: name,
      perTx,
      targetRate: rate,
      achievedRate: load.events / load.seconds,
      events: lat.length,
      p50: percentile(lat, 0.5),
      p99: percentile(lat, 0.99),
      max: lat[lat.length - 1] ?? NaN,
      catchUpMs,
      readModelP50: percentile(rm, 0.5),
      readModelP99: percentile(rm, 0.99),
    })
    console.log(JSON.stringify(rows[rows.length - 1]))
  }
  await relay.stop()
  await publisher.close()
  await pool.end()
  return rows
}

const drains: DrainRow[] = []
for (const perTx of [1, 10]) {
  for (const name of RELAYS) {
    drains.push(await drain(name, perTx))
    console.log(JSON.stringify(drains[drains.length - 1]))
  }
}
const rawTopic = await freshTopic('raw')
const raw = await rawProducer(kafka.brokers, rawTopic, DRAIN_EVENTS)
console.log(JSON.stringify({ raw }))

const latencies: LatencyRow[] = []
for (const name of RELAYS) {
  latencies.push(...(await latency(name, 1, quick ? [500, 2000] : [500, 1000, 2000, 4000])))
  latencies.push(...(await latency(name, 10, quick ? [2000] : [2000, 5000])))
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
  latencies,
  seconds: (performance.now() - started) / 1000,
  drainEvents: DRAIN_EVENTS,
  stepSeconds: STEP_SECONDS,
  pgVersion,
})
await Promise.all([pgServer.stop(), kafka.stop()])
