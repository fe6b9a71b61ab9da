/**
 * Counts what one messaging-mode saga costs, by counts rather than wall-clock: Postgres round
 * trips, statements and commits, CPU of this Node process, of the Postgres server's processes
 * and of the Kafka JVM, and Kafka requests by API, per saga. Sagas are started at a rate the
 * machine keeps up with (SAGA_COST_RATE, default 20/s; SAGA_COST_SAGAS, default 300), so the
 * counts describe a saga in steady state rather than a backlog.
 * `node --conditions=@faultline/source --import tsx bench/saga/messaging-costs.ts`
 */
import { execSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import pg from 'pg'
import { Kafka, logLevel } from 'kafkajs'
import { startPostgres } from '@faultline/infra'
import { type MessagingCpu, openLoop, sampleRunCpu, setupMessaging } from './messaging-mode.js'
import { newCounts, snapshotCounts, wirePool } from './pg-counter.js'
import { quantile, settle, writeCounters } from './stats.js'

const SAGAS = Number(process.env.SAGA_COST_SAGAS ?? 300)
const RATE = Number(process.env.SAGA_COST_RATE ?? 20)
const SHAPES = Number(process.env.SAGA_COST_SHAPES ?? 25)
/** Seconds of idling measured first: the CPU the setup burns with no saga running. */
const IDLE_SECONDS = Number(process.env.SAGA_COST_IDLE_SECONDS ?? 5)
/** Where to write a CPU profile of this process over the CPU phase (optional). */
const PROFILE = process.env.SAGA_COST_PROFILE

/** Starts the V8 CPU profiler of this process; `stop(path)` writes the profile. */
async function startProfile(): Promise<{ stop(path: string): Promise<void> }> {
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  return {
    async stop(path) {
      const { profile } = await session.post('Profiler.stop')
      writeFileSync(path, JSON.stringify(profile))
      session.disconnect()
    },
  }
}

const requests = new Map<string, number>()
/** A kafkajs client whose producers' and consumers' requests are counted by API name. */
function countingKafka(brokers: string[]): Kafka {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING })
  const count = (api: string): void => void requests.set(api, (requests.get(api) ?? 0) + 1)
  const producer = kafka.producer.bind(kafka)
  const consumer = kafka.consumer.bind(kafka)
  kafka.producer = (...args) => {
    const p = producer(...args)
    p.on(p.events.REQUEST, (e) => count(`producer ${e.payload.apiName}`))
    return p
  }
  kafka.consumer = (...args) => {
    const c = consumer(...args)
    c.on(c.events.REQUEST, (e) => count(`consumer ${e.payload.apiName}`))
    return c
  }
  return kafka
}

const server = await startPostgres({ log: () => {} })
const counts = newCounts()
const setup = await setupMessaging(server, 'in-process', 'bench_messaging_costs', {
  kafka: countingKafka,
  onPool: (pool) => wirePool(pool, counts),
})
const warm = Array.from({ length: 30 }, (_, i) => `warm-${i}`)
await Promise.all(warm.map((id) => setup.start(id)))
await setup.waitEnded(warm, 120_000)
await settle()

const admin = new pg.Pool({ connectionString: server.url, max: 1 })

/** Phase 1, nothing counted in this process: CPU per saga (and a CPU profile when asked). */
async function cpuPhase(): Promise<MessagingCpu & { lat: number[]; seconds: number }> {
  counts.on = false
  const profile = PROFILE === undefined ? undefined : await startProfile()
  const cpuUsed = sampleRunCpu(server, setup)
  const t0 = performance.now()
  const { intended } = await openLoop(setup, SAGAS, RATE, 'cpu')
  await setup.waitEnded([...intended.keys()], 120_000)
  const result = { ...cpuUsed(), seconds: (performance.now() - t0) / 1000 }
  if (profile !== undefined && PROFILE !== undefined) await profile.stop(PROFILE)
  const lat = [...intended].map(([id, at]) => (setup.ended.get(id) ?? NaN) - at)
  counts.on = true
  return { ...result, lat: lat.sort((a, b) => a - b) }
}

/** Phase 2, every round trip counted: what Postgres and Kafka are asked per saga. */
async function countPhase() {
  await settle()
  const before = {
    pg: snapshotCounts(counts),
    db: await writeCounters(admin, [setup.dbName]),
    requests: new Map(requests),
  }
  const t0 = performance.now()
  const { intended } = await openLoop(setup, SAGAS, RATE, 'count')
  await setup.waitEnded([...intended.keys()], 120_000)
  const seconds = (performance.now() - t0) / 1000
  await settle()
  return { before, db: await writeCounters(admin, [setup.dbName]), seconds }
}

/** Phase 0: CPU per second with no saga running (polls, heartbeats, fetch loops, the JVM). */
async function idlePhase(): Promise<MessagingCpu> {
  counts.on = false
  const cpuUsed = sampleRunCpu(server, setup)
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000))
  const used = cpuUsed()
  counts.on = true
  const perSecond = (ms: number): number => ms / IDLE_SECONDS
  return { node: perSecond(used.node), pg: perSecond(used.pg), kafka: perSecond(used.kafka) }
}

const idle = await idlePhase()
const cpu = await cpuPhase()
const { before, db, seconds } = await countPhase()
const latencies = cpu.lat
const per = (n: number, d = 2): string => (n / SAGAS).toFixed(d)

console.log(`${SAGAS} messaging sagas at ${RATE}/s, twice (CPU, then counts); per saga:`)
console.log(
  `  Postgres: ${per(counts.trips - before.pg.trips)} round trips (saga database pool), ` +
    `${per(counts.statements - before.pg.statements)} statements, ${per(counts.commits - before.pg.commits)} COMMITs sent, ` +
    `${per(db.commits - before.db.commits)} xact_commit, ${per(db.rows - before.db.rows)} row writes`,
)
const cpuLine = (c: MessagingCpu): string =>
  `Node ${per(c.node)}, Postgres ${per(c.pg)}, Kafka ${per(c.kafka)}, total ${per(c.node + c.pg + c.kafka)}`
console.log(`  CPU ms: ${cpuLine(cpu)}`)
// What idling for the phase's length would have cost, taken off: the CPU the sagas added.
const idleFor = cpu.seconds
console.log(
  `  CPU ms above idle: ${cpuLine({ node: cpu.node - idle.node * idleFor, pg: cpu.pg - idle.pg * idleFor, kafka: cpu.kafka - idle.kafka * idleFor })} ` +
    `(idle: Node ${idle.node.toFixed(1)}, Postgres ${idle.pg.toFixed(1)}, Kafka ${idle.kafka.toFixed(1)} ms/s)`,
)
const kafkaLine = [...requests]
  .map(([api, n]) => [api, n - (before.requests.get(api) ?? 0)] as const)
  .filter(([, n]) => n > 0)
  .sort((a, b) => b[1] - a[1])
  .map(([api, n]) => `${api} ${per(n)}`)
console.log(`  Kafka requests: ${kafkaLine.join(', ')} (4 messages per saga)`)
console.log(
  `  latency ms (CPU phase): p50 ${quantile(latencies, 0.5).toFixed(1)}, p99 ${quantile(latencies, 0.99).toFixed(1)}, ` +
    `max ${(latencies.at(-1) ?? NaN).toFixed(1)}; count phase took ${seconds.toFixed(1)} s`,
)
console.log(`  round trips by shape:`)
const shapes = [...counts.shapes]
  .map(([s, n]) => [s, n - (before.pg.shapes.get(s) ?? 0)] as const)
  .filter(([, n]) => n > 0)
  .sort((a, b) => b[1] - a[1])
for (const [s, n] of shapes.slice(0, SHAPES)) console.log(`    ${per(n)}  ${s}`)
console.log(`load: ${execSync('uptime').toString().trim()}`)
await admin.end()
await setup.close()
await server.stop().catch(() => {})
process.exit(0)
