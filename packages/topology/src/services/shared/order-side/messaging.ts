import pg from 'pg'
import { createPostgresConsumerStore } from '@faultline/sync-kit'
import {
  createKafkaEventConsumer,
  createKafkaPublisher,
  type KafkaPublisher,
} from '@faultline/sync-kit/kafka'
import { createSyncKitTransport, type SyncKitTransport } from '@faultline/saga-kit/sync-kit'
import { TOPIC_PARTITIONS } from '../names.js'
import { ensureTopics } from '../topics.js'
import type { OrderSideConfig } from './config.js'
import type { KitLogger } from './kit-logger.js'
import { channelTopic, namespaced } from './names.js'

/** A service's database pool and its Kafka side: the saga transport and the publisher. */
export interface Messaging {
  readonly pool: pg.Pool
  /** Dead letters. */
  readonly publisher: KafkaPublisher
  /** saga-kit's transport over sync-kit: outbox in `pool`, inbox consumers on Kafka. */
  readonly transport: SyncKitTransport
  /**
   * Creates the topics of `channels` that do not exist yet, with `TOPIC_PARTITIONS` partitions
   * (saga-kit would create a missing one with the broker's default of one).
   */
  ensureChannels(channels: readonly string[]): Promise<void>
  /** Closes the publisher, then the pool (after the consumers were closed). */
  close(): Promise<void>
}

/**
 * A killed member's partitions wait for its session to expire before another member takes
 * them; kafkajs's 30 s default would stall every saga on those partitions that long after a
 * `kill()`, so the services use a shorter session.
 */
const SESSION_TIMEOUT_MS = 10_000
const HEARTBEAT_INTERVAL_MS = 1_000

/** A kafkajs consumer with the order side's session settings (one per subscription). */
export function kafkaEventConsumer(brokers: readonly string[], logger: KitLogger) {
  return createKafkaEventConsumer({
    brokers: [...brokers],
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    logger,
  })
}

/** Builds the pool, the publisher and the transport of one order-side service. */
export function createMessaging(config: OrderSideConfig, logger: KitLogger): Messaging {
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: config.poolMax })
  // An idle client's connection dying (a Postgres restart) must not crash the process.
  pool.on('error', (error) => logger.warn({ error: error.message }, 'idle database client failed'))
  const brokers = [...config.kafkaBrokers]
  const publisher = createKafkaPublisher({ brokers })
  const transport = createSyncKitTransport({
    store: createPostgresConsumerStore({ pool }),
    db: pool,
    eventConsumer: () => kafkaEventConsumer(brokers, logger),
    deadLetters: publisher,
    groupPrefix: namespaced(config.namespace, 'saga'),
    topic: (channel) => channelTopic(config.namespace, channel),
    logger,
  })
  return {
    pool,
    publisher,
    transport,
    ensureChannels: (channels) =>
      ensureTopics({
        brokers,
        topics: channels.map((channel) => channelTopic(config.namespace, channel)),
        partitions: TOPIC_PARTITIONS,
      }),
    close: async () => {
      await publisher.close()
      await pool.end()
    },
  }
}
