/**
 * Messaging mode: 4-step order sagas whose two middle steps are commands to participants reached
 * over Kafka (sync-kit outbox, logical-replication relay, kafkajs consumers). Open loop: sagas are
 * started at a fixed rate and latency is measured from each saga's intended start time to its end,
 * so a stall cannot hide behind a slower send rate.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import pg from 'pg'
import { Kafka, logLevel } from 'kafkajs'
import type { PostgresHandle } from '@faultline/infra'
import { startKafka } from '@faultline/infra'
import { createLogicalRelay, migrateSyncKit } from '@faultline/sync-kit'
import { createKafkaPublisher } from '@faultline/sync-kit/kafka'
import {
  command,
  createOrchestrator,
  defineSaga,
  migrateSagaKit,
  type Participant,
} from '@faultline/saga-kit'
import { sampleStackCpu, type StackCpu } from '../common/cpu-sampler.js'
import { benchTransport, startBenchParticipants } from './participants.js'
import { quantile, settle, writeCounters } from './stats.js'

/**
 * Where the participants run: in the orchestrator's process, or in a process of their own (as
 * the separate services they are in a real deployment; relay and orchestrator stay together).
 */
export type ParticipantPlacement = 'in-process' | 'own-process'

/** Result of the open-loop run. */
export interface MessagingResult {
  readonly targetPerSecond: number
  readonly sagas: number
  readonly achievedPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  /** `xact_commit` of the saga database (orchestrator and participants) per saga. */
  readonly commitsPerSaga: number
  /** `tup_inserted + tup_updated + tup_deleted` of the saga database per saga. */
  readonly rowWritesPerSaga: number
  /** CPU ms per saga of the Node processes (orchestrator, relay, participants). */
  readonly nodeCpuMsPerSaga: number
  /** CPU ms per saga of the Postgres server's processes. */
  readonly pgCpuMsPerSaga: number
  /** CPU ms per saga of the Kafka broker's JVM. */
  readonly kafkaCpuMsPerSaga: number
  /** The warm-up phase: the same open loop from a cold process, measured but not counted above. */
  readonly coldStart: { readonly seconds: number; readonly p99Ms: number; readonly maxMs: number }
}

/** Seconds of open loop at the target rate before the measured run (JIT, pool, backends). */
export const WARM_UP_SECONDS = 5

/**
 * Samples the CPU of every process of a run (this one, a participant process, Postgres, Kafka)
 * from now; the function returned stops and reports ms used.
 */
export function sampleRunCpu(server: PostgresHandle, setup: MessagingSetup): () => MessagingCpu {
  return sampleStackCpu(server.port, setup.brokerPort, () =>
    setup.participantPid === undefined ? [] : [setup.participantPid],
  )
}

/** CPU ms used by the run's Node processes, Postgres and Kafka. */
export type MessagingCpu = StackCpu

const CHANNELS = ['saga.replies', 'saga.participant.inventory', 'saga.participant.payments']

/** Starts the participants in their own Node process; resolves once they listen. */
async function spawnParticipants(url: string, brokers: string[]): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@faultline/source',
      '--import',
      'tsx',
      new URL('./participant-process.ts', import.meta.url).pathname,
      url,
      brokers.join(','),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  for await (const line of createInterface({ input: child.stdout })) if (line === 'ready') break
  return child
}

/** Hooks for a run that counts what a saga costs (see messaging-costs.ts). */
export interface MessagingHooks {
  /** The kafkajs client every producer and consumer of the run is made from. */
  readonly kafka?: (brokers: string[]) => Kafka
  /** Called with the saga database pool before anything uses it. */
  readonly onPool?: (pool: pg.Pool) => void
}

/** A running messaging-mode setup: broker, relay, participants and a listening orchestrator. */
export interface MessagingSetup {
  readonly pool: pg.Pool
  readonly dbName: string
  readonly brokerPort: number
  /** The participants' process, when they run in one of their own. */
  readonly participantPid: number | undefined
  /** End time (performance.now()) of each saga that ended. */
  readonly ended: ReadonlyMap<string, number>
  start(id: string): Promise<unknown>
  waitEnded(ids: readonly string[], timeoutMs: number): Promise<void>
  close(): Promise<void>
}

const saga = defineSaga<{ id: string }>('order')
  .step('create-order', {
    invoke: async ({ tx, data }) =>
      void (await tx.client.query(`INSERT INTO orders VALUES ($1, 'PENDING')`, [data.id])),
    compensate: async () => {},
  })
  .step('reserve-stock', {
    invoke: command('inventory', 'inventory.reserve'),
    compensate: command('inventory', 'inventory.release'),
    timeoutMs: 30_000,
  })
  .step('charge', {
    invoke: command('payments', 'payments.charge'),
    compensate: command('payments', 'payments.refund'),
    timeoutMs: 30_000,
  })
  .step('approve', {
    kind: 'pivot',
    invoke: async ({ tx, data }) =>
      void (await tx.client.query(`UPDATE orders SET status = 'APPROVED' WHERE id = $1`, [
        data.id,
      ])),
  })

/** Starts Kafka, the saga database, the relay, the participants and the orchestrator. */
export async function setupMessaging(
  server: PostgresHandle,
  placement: ParticipantPlacement,
  dbName: string,
  hooks: MessagingHooks = {},
): Promise<MessagingSetup> {
  const broker = await startKafka({ log: () => {} })
  const { url } = await server.createDatabase(dbName)
  const pool = new pg.Pool({ connectionString: url, max: 30 })
  pool.on('error', () => {})
  hooks.onPool?.(pool)
  await migrateSyncKit(pool)
  await migrateSagaKit(pool)
  await pool.query(`CREATE TABLE orders (id text PRIMARY KEY, status text); CREATE TABLE stock (qty int); INSERT INTO stock VALUES (1000000);
    CREATE TABLE payment (key text PRIMARY KEY, amount int)`)
  const kafka =
    hooks.kafka?.(broker.brokers) ??
    new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({
    topics: CHANNELS.map((c) => ({ topic: `outbox.event.${c}`, numPartitions: 4 })),
  })
  await admin.disconnect()
  const publisher = createKafkaPublisher({ kafka })
  const relay = createLogicalRelay({ connection: url, publisher })
  await relay.start()
  const transport = benchTransport(pool, broker.brokers, publisher, kafka)
  let participants: Participant[] = []
  let child: ChildProcess | undefined
  if (placement === 'in-process') participants = await startBenchParticipants(pool, transport)
  else child = await spawnParticipants(url, broker.brokers)
  const ended = new Map<string, number>()
  const orch = createOrchestrator({
    db: pool,
    sagas: [saga],
    transport,
    onEvent: (e) => {
      if (e.type === 'saga:completed' || e.type === 'saga:compensated')
        ended.set(e.sagaId, performance.now())
    },
  })
  await orch.listen()
  return {
    pool,
    dbName,
    brokerPort: broker.port,
    participantPid: child?.pid,
    ended,
    start: (id) => orch.start('order', { id }, { sagaId: id }),
    async waitEnded(ids, timeoutMs) {
      const end = Date.now() + timeoutMs
      while (ids.some((id) => !ended.has(id)) && Date.now() < end)
        await new Promise((r) => setTimeout(r, 20))
    },
    async close() {
      await orch.close()
      for (const p of participants) await p.close()
      if (child !== undefined) {
        child.kill('SIGTERM')
        if (child.exitCode === null) await once(child, 'exit')
      }
      await relay.stop()
      await publisher.close()
      await pool.end()
      await broker.stop()
    },
  }
}

/** Starts `total` sagas at `ratePerSecond`; returns each one's intended start time. */
export async function openLoop(
  setup: MessagingSetup,
  total: number,
  ratePerSecond: number,
  prefix: string,
): Promise<{ intended: Map<string, number>; t0: number }> {
  const intended = new Map<string, number>()
  const t0 = performance.now() + 100
  const starts: Promise<unknown>[] = []
  for (let i = 0; i < total; i++) {
    const at = t0 + (i * 1000) / ratePerSecond
    const wait = at - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    const id = `${prefix}-${i}`
    intended.set(id, at)
    starts.push(setup.start(id))
  }
  await Promise.all(starts)
  return { intended, t0 }
}

/** Latency (ms) of each saga of an open loop that ended, sorted, from its intended start. */
function latencies(setup: MessagingSetup, intended: ReadonlyMap<string, number>): number[] {
  return [...intended]
    .filter(([id]) => setup.ended.has(id))
    .map(([id, at]) => setup.ended.get(id)! - at)
    .sort((a, b) => a - b)
}

/**
 * Runs the open loop for WARM_UP_SECONDS and reports it as the cold start: a fresh process
 * compiles its hot paths, grows its connection pool and warms new Postgres backends' caches, and
 * the first seconds queue behind that. Steady state is what the measured run reports.
 */
async function warmUp(
  setup: MessagingSetup,
  ratePerSecond: number,
): Promise<MessagingResult['coldStart']> {
  const warm = Array.from({ length: 30 }, (_, i) => `warm-${i}`)
  await Promise.all(warm.map((id) => setup.start(id)))
  await setup.waitEnded(warm, 120_000)
  const { intended } = await openLoop(setup, ratePerSecond * WARM_UP_SECONDS, ratePerSecond, 'w')
  await setup.waitEnded([...intended.keys()], 120_000)
  const lat = latencies(setup, intended)
  return { seconds: WARM_UP_SECONDS, p99Ms: quantile(lat, 0.99), maxMs: lat.at(-1) ?? 0 }
}

/**
 * Messaging mode at `ratePerSecond` for `seconds`, after a warm-up at the same rate (reported as
 * `coldStart`). Throws when a saga does not end within two minutes.
 */
export async function runMessaging(
  server: PostgresHandle,
  ratePerSecond: number,
  seconds: number,
  placement: ParticipantPlacement = 'in-process',
): Promise<MessagingResult & { placement: ParticipantPlacement }> {
  const dbName = `bench_messaging_${placement.replace('-', '_')}`
  const setup = await setupMessaging(server, placement, dbName)
  const coldStart = await warmUp(setup, ratePerSecond)
  await settle()
  const before = await writeCounters(setup.pool, [dbName])

  const total = ratePerSecond * seconds
  const cpuUsed = sampleRunCpu(server, setup)
  const { intended, t0 } = await openLoop(setup, total, ratePerSecond, 'm')
  await setup.waitEnded([...intended.keys()], 120_000)
  const cpu = cpuUsed()
  const lat = latencies(setup, intended)
  await settle()
  const after = await writeCounters(setup.pool, [dbName])
  const last = Math.max(...[...intended.keys()].map((id) => setup.ended.get(id) ?? 0))
  await setup.close()
  if (lat.length !== total) throw new Error(`only ${lat.length} of ${total} sagas ended`)
  return {
    placement,
    targetPerSecond: ratePerSecond,
    sagas: total,
    achievedPerSecond: total / ((last - t0) / 1000),
    p50Ms: quantile(lat, 0.5),
    p99Ms: quantile(lat, 0.99),
    maxMs: lat.at(-1) ?? 0,
    commitsPerSaga: (after.commits - before.commits) / total,
    rowWritesPerSaga: (after.rows - before.rows) / total,
    nodeCpuMsPerSaga: cpu.node / total,
    pgCpuMsPerSaga: cpu.pg / total,
    kafkaCpuMsPerSaga: cpu.kafka / total,
    coldStart,
  }
}
