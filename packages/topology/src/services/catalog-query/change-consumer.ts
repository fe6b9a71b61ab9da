import type { ReadThroughCache } from '@faultline/cache-kit'
import { applyEvent } from '@faultline/cache-kit/sync-kit'
import type { Logger } from '@faultline/common'
import {
  createConsumer,
  createMemoryConsumerStore,
  type ConsumedEvent,
  type Consumer,
  type MemoryTx,
} from '@faultline/sync-kit'
import { createKafkaEventConsumer, createKafkaPublisher } from '@faultline/sync-kit/kafka'
import {
  PRODUCT_CHANGED,
  categoryTag,
  productKey,
  type ProductChangedPayload,
} from '../shared/product.js'

/** Options of {@link startChangeConsumer}. */
export interface ChangeConsumerOptions {
  readonly cache: ReadThroughCache
  readonly brokers: readonly string[]
  readonly topic: string
  /** This instance's own group: every instance sees every event (see the README). */
  readonly groupId: string
  readonly logger: Logger
}

/** The running consumer and what it has applied. */
export interface ChangeConsumer {
  readonly consumer: Consumer<MemoryTx>
  /** Events applied to this node's cache since start. */
  applied(): number
  /**
   * Test hook (a planted defect): while set, events are consumed but not applied, so this node's
   * L1 keeps versions a write replaced and the CLI's staleness checker must say `invalid`.
   */
  setSkipping(skipping: boolean): void
  /** True from the moment the consumer is subscribed until it is stopped. */
  running(): boolean
  stop(): Promise<void>
}

/**
 * Applies one product event to this node: the key at the aggregate's version (the event's
 * sequence, which is the row's version: every write bumps it and appends one event) and commit
 * LSN (idempotent, never backwards, and it drops this node's L1 entry even when another node
 * already raised the watermark in Redis), then the pages of the product's categories.
 */
async function applyToCache(cache: ReadThroughCache, event: ConsumedEvent): Promise<void> {
  const product = event.payload as unknown as ProductChangedPayload
  const tags = new Set([categoryTag(product.category)])
  if (product.previousCategory !== null) tags.add(categoryTag(product.previousCategory))
  await applyEvent(cache, event, { key: productKey(product.id), tags: [...tags] })
}

/**
 * The change stream that drives this node's invalidation. The inbox is in memory: applying a
 * change twice is harmless (`applyChange` is idempotent), so no database is needed, and the
 * offsets in Kafka say where a restarted instance resumes. `gapPolicy: 'report'` because the
 * in-memory positions start empty after a restart. A handler that fails because Redis is away
 * is retried, not dead-lettered early: an invalidation dropped to a DLQ would leave L2 stale.
 */
export async function startChangeConsumer(options: ChangeConsumerOptions): Promise<ChangeConsumer> {
  const logger = options.logger
  const brokers = [...options.brokers]
  const deadLetters = createKafkaPublisher({ brokers, clientId: `${options.groupId}-dlq`, logger })
  const events = createKafkaEventConsumer({
    brokers,
    clientId: options.groupId,
    sessionTimeoutMs: 10_000,
    maxWaitTimeMs: 500,
  })
  let applied = 0
  let skipping = false
  const consumer = createConsumer({
    groupId: options.groupId,
    topics: [options.topic],
    handlers: {
      [PRODUCT_CHANGED]: async (_tx, event) => {
        if (skipping) return
        await applyToCache(options.cache, event)
        applied += 1
      },
    },
    consumer: events,
    db: createMemoryConsumerStore(),
    deadLetters,
    gapPolicy: 'report',
    maxAttempts: 1_000,
    backoffMaxMs: 1_000,
    maxBatchSize: 100,
    logger,
  })
  await consumer.start()
  let running = true
  return {
    consumer,
    applied: () => applied,
    setSkipping: (value) => void (skipping = value),
    running: () => running,
    async stop() {
      running = false
      await consumer.stop()
      await deadLetters.close()
    },
  }
}
