import pg from 'pg'
import { createPostgresStore, isSyncKitError } from '@faultline/sync-kit'
import {
  createKafkaEventConsumer,
  createKafkaPublisher,
  type KafkaPublisher,
} from '@faultline/sync-kit/kafka'
import { createSyncKitTransport, type SyncKitTransport } from '@faultline/saga-kit/sync-kit'
import type { OrderSideConfig } from './config.js'
import type { KitLogger } from './kit-logger.js'
import { channelTopic, namespaced } from './names.js'

/** A service's database pool and its Kafka side: the saga transport and the publisher. */
export interface Messaging {
  readonly pool: pg.Pool
  /** Dead letters, and creating the topics the service reads. */
  readonly publisher: KafkaPublisher
  /** saga-kit's transport over sync-kit: outbox in `pool`, inbox consumers on Kafka. */
  readonly transport: SyncKitTransport
  /** Creates the topics of `channels` that do not exist yet (the broker's partition count). */
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

/** How long a topic check keeps retrying errors Kafka calls retriable. */
const ENSURE_TOPIC_TIMEOUT_MS = 60_000

/**
 * Retries `attempt` while it fails with a retryable sync-kit error: a topic that another client
 * (a relay's producer) is creating at the same moment answers "this server does not host this
 * topic-partition" until its leader is elected.
 */
async function retryWhileRetryable<T>(attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ENSURE_TOPIC_TIMEOUT_MS
  for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, 2_000)) {
    try {
      return await attempt()
    } catch (error) {
      if (!isSyncKitError(error) || !error.retryable || Date.now() + delayMs > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, delayMs))
    }
  }
}

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
  pool.on('error', (error) => logger.warn('idle database client failed', { error: error.message }))
  const brokers = [...config.kafkaBrokers]
  const publisher = createKafkaPublisher({ brokers })
  const transport = createSyncKitTransport({
    store: createPostgresStore({ pool }),
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
    ensureChannels: async (channels) => {
      for (const channel of channels) {
        const topic = channelTopic(config.namespace, channel)
        await retryWhileRetryable(() =>
          publisher.ensureTopic({ topic, fitMessagesOf: [], headroomBytes: 0 }),
        )
      }
    },
    close: async () => {
      await publisher.close()
      await pool.end()
    },
  }
}
