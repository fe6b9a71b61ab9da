/**
 * The two transports a chaos run can use, built the same way in the test process (participants)
 * and in every orchestrator process.
 */
import type pg from 'pg'
import { createPostgresConsumerStore } from '@faultline/sync-kit'
import { createKafkaEventConsumer, createKafkaPublisher } from '@faultline/sync-kit/kafka'
import { createPgQueueTransport, type SagaTransport } from '@faultline/saga-kit'
import { createSyncKitTransport } from '@faultline/saga-kit/sync-kit'

/** `pg-queue`, or `kafka:<broker,...>` for saga-kit's sync-kit transport over those brokers. */
export type ChaosTransportSpec = string

/** The saga channels, each a Kafka topic `outbox.event.<channel>` in a Kafka run. */
export const CHAOS_CHANNELS = [
  'saga.replies',
  'saga.participant.inventory',
  'saga.participant.payments',
] as const

/** Partitions per topic, enough for every participant instance to own several. */
export const CHAOS_PARTITIONS = 64

/**
 * Instances of each participant service, each a member of the service's consumer group. kafkajs
 * fetches once per broker and waits for every message of a fetch before the next, so a late reply
 * (a handler that sleeps past the step timeout) stalls everything its member fetched, not just its
 * partition. With one instance per service, 4% late replies stalled each service over and over:
 * every saga timed out and the run took minutes. Several instances confine each stall to a share
 * of the partitions, as several replicas of a service would.
 */
export const PARTICIPANT_INSTANCES = 16

/**
 * Group timing of the orchestrators' reply consumers. A SIGKILLed member never leaves its group,
 * so its partitions wait until its session runs out, and the restarted orchestrator's join waits
 * for that too: with kafkajs's 30 s default every kill would stall half the replies for 30 s.
 * 5 s (infra's brokers allow sessions down to 1 s) keeps a kill's stall well inside a step
 * timeout; 3 s measured 2.6-3.0 s per kill on a quiet machine, but on a loaded one live members
 * missed it (a fetch's replies handled slower than the session) and the group rebalanced over
 * and over. kafkajs heartbeats only between fetches, so an idle fetch returns after 500 ms.
 */
const ORCHESTRATOR_GROUP = {
  sessionTimeoutMs: 5_000,
  heartbeatIntervalMs: 500,
  maxWaitTimeMs: 500,
  partitionsConsumedConcurrently: 4,
}

/**
 * The participants are never killed. A member heartbeats only between messages, and one whose
 * partitions hold late replies back to back goes quiet for their sum, so its session is long
 * enough never to lose the member (a rebalance stalls every member of the service).
 */
const PARTICIPANT_GROUP = {
  sessionTimeoutMs: 60_000,
  heartbeatIntervalMs: 1_000,
  maxWaitTimeMs: 1_000,
  partitionsConsumedConcurrently: CHAOS_PARTITIONS / PARTICIPANT_INSTANCES,
}

/** kafkajs and sync-kit warnings on stderr with SAGA_CHAOS_DEBUG (which shows children's stderr). */
const syncKitDebugLogger = {
  debug: () => {},
  info: () => {},
  warn: (context: unknown, message?: string) => debugLine('warn', message ?? '', context),
  error: (context: unknown, message?: string) => debugLine('error', message ?? '', context),
}

function debugLine(level: string, message: string, context: unknown): void {
  if (!process.env.SAGA_CHAOS_DEBUG) return
  const at = new Date().toISOString()
  process.stderr.write(
    `${at} [${process.pid}] ${level} ${message} ${JSON.stringify(context ?? {})}\n`,
  )
}

/** A transport of the chaos run and what closes what it opened beside the pool. */
export interface ChaosTransport {
  readonly transport: SagaTransport
  close(): Promise<void>
}

/** Builds the transport `spec` names on `pool`, for an orchestrator or for the participants. */
export function chaosTransport(
  spec: ChaosTransportSpec,
  pool: pg.Pool,
  role: 'orchestrator' | 'participants',
): ChaosTransport {
  if (spec === 'pg-queue') {
    const concurrency = role === 'orchestrator' ? 2 : 8
    return {
      transport: createPgQueueTransport({ db: pool, concurrency, batchSize: 1 }),
      close: () => Promise.resolve(),
    }
  }
  const brokers = spec.replace(/^kafka:/, '').split(',')
  const group = role === 'orchestrator' ? ORCHESTRATOR_GROUP : PARTICIPANT_GROUP
  const publisher = createKafkaPublisher({ brokers })
  const transport = createSyncKitTransport({
    store: createPostgresConsumerStore({ pool }),
    // Each message is handled in its inbox transaction: inbox entry, effect and reply commit once.
    db: pool,
    eventConsumer: () =>
      createKafkaEventConsumer({ brokers, ...group, logger: syncKitDebugLogger }),
    deadLetters: publisher,
    // One transaction per message: a chunk would keep the stock row locked while a late
    // participant handler sleeps in it, and stall every reservation behind it.
    maxBatchSize: 1,
    logger: {
      debug: () => {},
      info: () => {},
      warn: (fields: object | string, message?: string) => debugLine('warn', message ?? '', fields),
      error: (fields: object | string, message?: string) =>
        debugLine('error', message ?? '', fields),
    },
  })
  return { transport, close: () => publisher.close() }
}
