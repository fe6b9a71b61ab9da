/**
 * The chaos run (issue 5, correctness test 1): 500 order sagas of 4 steps whose participants
 * decline ~20%, fail transiently and reply late, while the orchestrator process is SIGKILLed at
 * random points 20 times beside a second one that stays up. Afterwards SQL checks that every saga
 * ended COMPLETED or COMPENSATED (FAILED only where a refund fails on purpose), that no step ran
 * twice, that compensations ran once each and in reverse, and that stock and payments add up.
 *
 * The full-size run goes over real Postgres and Kafka: saga-kit's sync-kit transport writes each
 * command and reply to the outbox in the saga's transaction, relay A (logical replication) moves
 * it to Kafka, and kafkajs consumer groups hand it to sync-kit's inbox consumer; a check proves
 * every message took that road. The two orchestrators share one reply group, so every kill is also
 * a rebalance (group timings in chaos/transports.ts). Each participant runs as 16 instances, as
 * replicas of a service would. The relay runs in a process of its own and is SIGKILLed 5 times at
 * random points too: one slot has one reader, so it cannot run in both orchestrators, and its own
 * kill schedule makes relay crashes (replay from the slot, duplicates on the topics) a fault of
 * their own rather than a side effect of orchestrator kills. A smaller run over the Postgres queue
 * transport keeps that transport under the same faults.
 */
import type { ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import pg from 'pg'
import { createParticipant, migrateSagaKit, type Participant } from '@faultline/saga-kit'
import { migrateSyncKit } from '@faultline/sync-kit'
import { startKafka, startPostgres, type KafkaHandle, type PostgresHandle } from '@faultline/infra'
import { CHAOS_TABLES, chaosData, chaosParticipants, HELD_SKU } from './chaos/chaos-saga.js'
import {
  expectBusinessInvariants,
  expectOutcomes,
  expectRefusalsHeard,
  expectResumeCompensates,
  expectStepsOnceInOrder,
  statesOf,
  type ChaosRunFacts,
} from './chaos/checks.js'
import { createChaosTopics, expectTravelledThroughKafka } from './chaos/kafka-checks.js'
import { killAll, sigkill, sleep, spawnScript, untilLine } from './chaos/processes.js'
import {
  chaosTransport,
  PARTICIPANT_INSTANCES,
  type ChaosTransportSpec,
} from './chaos/transports.js'
import { count, waitFor } from './support/harness.js'

// Full size by default (the 500 sagas x 20 kills); SAGA_CHAOS_SAGAS / SAGA_CHAOS_KILLS /
// SAGA_CHAOS_RELAY_KILLS shrink or grow the Kafka run; the queue run is a fifth of its size.
const SAGAS = Number(process.env.SAGA_CHAOS_SAGAS ?? 500)
const KILLS = Number(process.env.SAGA_CHAOS_KILLS ?? 20)
const RELAY_KILLS = Number(process.env.SAGA_CHAOS_RELAY_KILLS ?? Math.ceil(KILLS / 4))

/** How big a run is. */
interface ChaosSize {
  readonly sagas: number
  readonly kills: number
  readonly relayKills: number
}

let server: PostgresHandle
let kafka: KafkaHandle

beforeAll(async () => {
  ;[server, kafka] = await Promise.all([
    startPostgres({ log: () => {} }),
    startKafka({ log: () => {} }),
  ])
})
afterAll(async () => {
  await killAll()
  await Promise.all([server?.stop(), kafka?.stop()])
})

/** A deterministic random source (a linear congruential generator). */
const lcg = (seed: number) => () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31

/** A fresh database with the saga schema, the outbox and inbox, and the stock on its shelves. */
async function prepareDatabase(name: string, size: ChaosSize) {
  const { url } = await server.createDatabase(name)
  const pool = new pg.Pool({ connectionString: url, max: 80 })
  pool.on('error', () => {})
  await migrateSagaKit(pool)
  await migrateSyncKit(pool)
  await pool.query(CHAOS_TABLES)
  const stock = Math.round(size.sagas * 1.6)
  // The sagas made to fail on purpose reserve from their own row, so they never run out of stock.
  const held = size.sagas * 3
  await pool.query(`INSERT INTO stock VALUES ('sku', $1), ($2, $3)`, [stock, HELD_SKU, held])
  const failOnPurpose = Array.from({ length: size.sagas }, (_, index) => index)
    .filter((index) => chaosData(index).failRefund)
    .map((index) => `c${index}`)
    .sort()
  return { url, pool, failOnPurpose, totalStock: stock + held }
}

/** SIGKILLs the relay `kills` times, each at a random point after it streams, and restarts it. */
async function relayChaos(
  first: ChildProcess,
  spawnRelay: () => ChildProcess,
  kills: number,
): Promise<number> {
  const random = lcg(7)
  let relay = first
  let done = 0
  for (; done < kills; done++) {
    await untilLine(relay, 'ready')
    // While it is down nothing moves, so it streams a while between kills: each step then sees
    // at most one relay outage within its timeout, most of the time.
    await sleep(3_000 + random() * 5_000)
    await sigkill(relay)
    relay = spawnRelay()
  }
  await untilLine(relay, 'ready')
  return done
}

/** SIGKILLs the victim orchestrator `kills` times, each at a random point after it listens. */
async function orchestratorChaos(
  spawnVictim: () => ChildProcess,
  kills: number,
  random: () => number,
): Promise<number> {
  let victim = spawnVictim()
  let done = 0
  for (; done < kills; done++) {
    await untilLine(victim, 'ready')
    await sleep(200 + random() * 900)
    if (process.env.SAGA_CHAOS_DEBUG) console.log(`${new Date().toISOString()} kill ${done + 1}`)
    await sigkill(victim)
    victim = spawnVictim()
  }
  await untilLine(victim, 'started-all')
  return done
}

/** One chaos run over the transport `spec` names, with every check; logs what it saw. */
async function chaosRun(name: string, spec: ChaosTransportSpec, size: ChaosSize): Promise<void> {
  const db = await prepareDatabase(name, size)
  const { pool } = db
  const overKafka = spec.startsWith('kafka:')
  // The slot must exist before the first saga writes (it streams only what commits after it), so
  // the first relay streams before any orchestrator starts.
  const relay = () => spawnScript('./relay-process.ts', [db.url, kafka.brokers.join(',')])
  if (overKafka) await createChaosTopics(kafka.brokers)
  let relayKilled = Promise.resolve(0)
  if (overKafka) {
    const first = relay()
    await untilLine(first, 'ready')
    relayKilled = relayChaos(first, relay, size.relayKills)
    relayKilled.catch(() => {}) // awaited below; a failure must not surface as unhandled first
  }
  const participantsTransport = chaosTransport(spec, pool, 'participants')
  const participants: Participant[] = []
  try {
    const random = lcg(42)
    const counters: Record<string, number> = {}
    const faults = { refundWorks: false }
    // Each participant runs as several instances (group members over Kafka), see transports.ts;
    // they join at once, so that the group forms in one rebalance rather than one per member.
    const instances = overKafka ? PARTICIPANT_INSTANCES : 1
    for (const definition of chaosParticipants(random, counters, faults)) {
      for (let index = 0; index < instances; index++) {
        const transport = participantsTransport.transport
        participants.push(createParticipant({ db: pool, transport, definition }))
      }
    }
    await Promise.all(participants.map((participant) => participant.listen()))
    const orchestrator = (owner: string, toStart: number) =>
      spawnScript('./orchestrator-process.ts', [db.url, owner, String(toStart), spec])
    await untilLine(orchestrator('second', 0), 'ready')
    const started = Date.now()
    const kills = await orchestratorChaos(
      () => orchestrator('victim', size.sagas),
      size.kills,
      random,
    )
    await waitFor(
      async () =>
        (await count(
          pool,
          `SELECT count(*) n FROM saga.instance WHERE state IN ('COMPLETED','COMPENSATED','FAILED')`,
        )) === size.sagas,
      240_000,
    )
    const seconds = (Date.now() - started) / 1000
    const relayKills = await relayKilled
    const states = await statesOf(pool)
    const timeouts = await count(
      pool,
      `SELECT count(DISTINCT saga_id) n FROM saga.history h WHERE kind = 'step.timeout'`,
    )
    console.log(
      `[saga-kit chaos ${spec.split(':')[0]}] ${size.sagas} sagas, ${kills} orchestrator SIGKILLs, ${relayKills} relay SIGKILLs, ${seconds.toFixed(1)} s; states ${JSON.stringify(states)}; participant faults ${JSON.stringify(counters)}; sagas with a step timeout: ${timeouts}. Size: SAGA_CHAOS_SAGAS/SAGA_CHAOS_KILLS/SAGA_CHAOS_RELAY_KILLS.`,
    )
    expect(kills).toBe(size.kills)
    expect(relayKills).toBe(overKafka ? size.relayKills : 0)
    const failures = await pool.query(
      `SELECT failed_phase, failed_step, error->>'message' AS error, (data->>'failRefund')::boolean AS on_purpose, count(*)::int AS n FROM saga.instance WHERE state = 'FAILED' GROUP BY 1,2,3,4`,
    )
    if (failures.rows.length > 0)
      console.log('[saga-kit chaos] FAILED sagas:', JSON.stringify(failures.rows))
    console.log('[saga-kit chaos] timeouts:', JSON.stringify(await expectRefusalsHeard(pool)))

    const facts: ChaosRunFacts = {
      ...db,
      transport: participantsTransport.transport,
      sagas: size.sagas,
    }
    const failedIds = await expectOutcomes(facts)
    await expectStepsOnceInOrder(pool)
    await expectBusinessInvariants(facts)
    await expectResumeCompensates(facts, faults, failedIds)
    if (overKafka) {
      const traffic = await expectTravelledThroughKafka(pool, kafka.brokers)
      console.log(
        `[saga-kit chaos kafka] messages (outbox / on Kafka / inbox): ${JSON.stringify(traffic)}`,
      )
    } else {
      expect(await count(pool, 'SELECT count(*) n FROM sync_outbox')).toBe(0)
    }
  } finally {
    await killAll()
    for (const participant of participants) await participant.close()
    await participantsTransport.close()
    await pool.end()
  }
}

describe('chaos run', () => {
  test(`${SAGAS} sagas x 4 steps over Kafka (sync-kit outbox, relay A SIGKILLed ${RELAY_KILLS} times, inbox consumers), ~20% declines, transient failures, late replies, orchestrator SIGKILLed ${KILLS} times beside a second one`, async () => {
    await chaosRun('chaos_kafka', `kafka:${kafka.brokers.join(',')}`, {
      sagas: SAGAS,
      kills: KILLS,
      relayKills: RELAY_KILLS,
    })
  }, 480_000)

  const small = { sagas: Math.round(SAGAS / 5), kills: Math.ceil(KILLS / 4), relayKills: 0 }
  test(`${small.sagas} sagas over the Postgres queue transport, orchestrator SIGKILLed ${small.kills} times beside a second one`, async () => {
    await chaosRun('chaos_pg_queue', 'pg-queue', small)
  }, 240_000)
})
