import { BACKFILL_DEFAULTS } from './backfill/options.js'
import { CONSUMER_DEFAULTS } from './consumer/options.js'
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from './message-size.js'

/**
 * sync-kit's tunable defaults in one place, per component (relay-specific defaults are listed on
 * each relay's options). Read-only; pass options to change them.
 */
export const SYNC_DEFAULTS = Object.freeze({
  /** `appendEvents`'s `maxMessageBytes`: Kafka's default `message.max.bytes`. */
  maxMessageBytes: KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
  relay: Object.freeze({
    topic: 'outbox.event.<aggregateType>',
    invalidTopic: 'sync-kit.outbox.invalid',
    batchSize: 500,
    retryDelayMs: 100,
    maxRetryDelayMs: 5000,
    lingerMs: 0,
  }),
  consumer: CONSUMER_DEFAULTS,
  backfill: BACKFILL_DEFAULTS,
})
