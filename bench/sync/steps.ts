import pg from 'pg'
import type { KafkaHandle, PostgresHandle } from '@faultline/infra'
import { migrateSyncKit } from '@faultline/sync-kit'
import { sampleStackCpu, type StackCpu } from '../common/cpu-sampler.js'
import { brokerRate, createLogAppendTopic, readAppendTimes } from './kafka-read.js'
import { writeInThreads } from './load.js'
import { ReadModel } from './read-model.js'
import type { DrainRow, LatencyRow } from './report.js'
import { commitTimes, type BenchDb, type RelaySystem } from './systems.js'

/** Writer threads for paced load: one Node thread tops out near 1,000 single-event commits/s here. */
const WRITER_THREADS = 2
/** Length of the discarded warm-up step at 200 events/s that opens every paced run. */
const WARM_UP_SECONDS = 3

/** Runs the steps of the benchmark against one Postgres server and one broker. */
export class BenchSteps {
  #dbs = 0
  #topics = 0

  constructor(
    private readonly pgServer: PostgresHandle,
    private readonly kafka: KafkaHandle,
  ) {}

  async freshDb(): Promise<BenchDb> {
    const { url } = await this.pgServer.createDatabase(`bench_${++this.#dbs}`)
    const pool = new pg.Pool({ connectionString: url, max: 8 })
    await migrateSyncKit(pool)
    return { url, pool, slot: `bench_${this.#dbs}`, brokers: this.kafka.brokers }
  }

  /** Starts sampling the CPU of this process, Postgres and the broker (over a short window). */
  sampleCpu(): () => StackCpu {
    return sampleStackCpu(this.pgServer.port, this.kafka.port, () => [], 0)
  }

  async freshTopic(prefix: string): Promise<string> {
    const topic = `${prefix}.${++this.#topics}`
    await createLogAppendTopic(this.kafka.brokers, topic)
    return topic
  }

  /**
   * Backlog drain: `events` committed first, then the system starts. The rate is measured on the
   * broker's clock, from the first event's LogAppendTime to the last one's, the same way for
   * every system, so start-up (a JVM, a replication connection) is not counted. Each system
   * drains a discarded backlog of the same size first. That warms the relays' process; Debezium
   * starts a fresh Connect JVM for every drain, so its warm-up drain warms only the broker.
   */
  async drain(system: RelaySystem, perTx: number, events: number, runs: number): Promise<DrainRow> {
    // A 20,000-event drain lasts about a second, so a cold JIT (kafkajs, pg, the decoder; or a
    // fresh JVM) would decide the result: a discarded drain of the same size runs first.
    await this.#drainOnce(system, perTx, events)
    const measured: DrainRow[] = []
    for (let i = 0; i < runs; i++) measured.push(await this.#drainOnce(system, perTx, events))
    return {
      ...medianBy(measured, (d) => d.eventsPerSecond),
      runs: measured.map((d) => d.eventsPerSecond),
    }
  }

  async #drainOnce(system: RelaySystem, perTx: number, events: number): Promise<DrainRow> {
    const db = await this.freshDb()
    const topic = await this.freshTopic('drain')
    await system.prepare(db)
    await writeInThreads({ kind: 'prefill', url: db.url, total: events, perTx }, 1)
    const cpuUsed = this.sampleCpu()
    const running = await system.start(db, topic)
    await until(async () => (await running.published()) >= events, 600_000, 20)
    const cpu = cpuUsed()
    await running.stop()
    await db.pool.end()
    const eventsPerSecond = await brokerRate(this.kafka.brokers, topic, events)
    const { name, inBenchProcess } = system
    return {
      system: name,
      perTx,
      events,
      eventsPerSecond,
      runs: [eventsPerSecond],
      cpu,
      inBenchProcess,
    }
  }

  /**
   * Paced load stepped up through `rates`, with one topic (and, `withReadModel`, one read model
   * consuming it) for the run; each step writes its own aggregates (`s<n>-agg-*`) so its events
   * can be told apart. Latency is broker LogAppendTime (or the read model's commit time) minus
   * the outbox commit time.
   */
  async latency(
    system: RelaySystem,
    perTx: number,
    rates: readonly number[],
    stepSeconds: number,
    withReadModel: boolean,
  ): Promise<LatencyRow[]> {
    const db = await this.freshDb()
    const topic = await this.freshTopic('lat')
    const readModel = withReadModel
      ? await ReadModel.start({
          brokers: this.kafka.brokers,
          url: (await this.pgServer.createDatabase(`bench_rm_${this.#dbs}`)).url,
          topic,
          name: 'read_model',
        })
      : undefined
    await system.prepare(db)
    const running = await system.start(db, topic)
    const step = async (prefix: string, rate: number, seconds: number) => {
      const base = await running.published()
      const load = await writeInThreads(
        { kind: 'paced', url: db.url, rate, seconds, perTx, aggregates: { count: 10_000, prefix } },
        WRITER_THREADS,
      )
      const writerDone = performance.now()
      await until(async () => (await running.published()) - base >= load.events, 300_000, 10)
      const catchUpMs = performance.now() - writerDone
      if (readModel) {
        await until(async () => (await readModel.applied(prefix)) >= load.events, 600_000, 50)
      }
      return { load, catchUpMs }
    }
    // Warm-up, discarded: JIT (and Debezium's JVM) reach steady state before anything counts.
    await step('warm-', 200, WARM_UP_SECONDS)
    const rows: LatencyRow[] = []
    for (const [i, rate] of rates.entries()) {
      const prefix = `s${i}-`
      // A step that does not finish ends this system's run, not the whole benchmark.
      const done = await step(prefix, rate, stepSeconds).catch((err: unknown) => {
        console.log(
          JSON.stringify({ system: system.name, perTx, targetRate: rate, failed: String(err) }),
        )
        return undefined
      })
      if (!done) break
      const { load, catchUpMs } = done
      const commits = await commitTimes(db.pool, prefix)
      const lat = latenciesBetween(commits, await readAppendTimes(this.kafka.brokers, topic))
      const rm = readModel ? latenciesBetween(commits, await readModel.appliedTimes(prefix)) : []
      rows.push({
        system: system.name,
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
    await running.stop()
    await readModel?.stop()
    await db.pool.end()
    return rows
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number, everyMs: number) {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error('benchmark step timed out')
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/** The element whose `key` is the median (the lower middle one for an even count). */
export function medianBy<T>(items: readonly T[], key: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b))
  const middle = sorted[Math.floor((sorted.length - 1) / 2)]
  if (middle === undefined) throw new Error('medianBy: no items')
  return middle
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN

/** Per-event latency from `from` (commit time) to `to`, sorted; events absent from `from` are skipped. */
function latenciesBetween(from: Map<string, number>, to: Map<string, number>): number[] {
  const out: number[] = []
  for (const [id, t] of to) {
    const c = from.get(id)
    if (c !== undefined) out.push(t - c)
  }
  return out.sort((a, b) => a - b)
}
