import type { SyncKitErrorCode } from '../errors.js'
import type { DeadLetterDelivery } from './dead-letter.js'
import type { AggregateRef, EventOrigin } from './ports.js'

/** Everything a consumer reports, one `noun:pastTense` event per fact. */
export type ConsumerEvent =
  | { readonly type: 'consumer:applied'; readonly eventId: string; readonly origin: EventOrigin }
  | { readonly type: 'consumer:ignored'; readonly eventId: string; readonly origin: EventOrigin }
  | { readonly type: 'consumer:duplicate'; readonly eventId: string; readonly origin: EventOrigin }
  | {
      readonly type: 'consumer:gap'
      readonly aggregate: AggregateRef
      /** The sequence the consumer expected next. */
      readonly expected: number
      readonly received: number
      /** `held` under the hold policy, `applied` under the report policy. */
      readonly action: 'held' | 'applied'
    }
  | {
      readonly type: 'consumer:gap-stalled'
      readonly aggregate: AggregateRef
      readonly sequence: number
      readonly waitedMs: number
    }
  | {
      readonly type: 'consumer:retried'
      readonly eventId: string
      readonly attempt: number
      readonly error: string
    }
  | {
      readonly type: 'consumer:dead-lettered'
      readonly origin: EventOrigin
      readonly code: SyncKitErrorCode
      readonly reason: string
      readonly eventId: string | undefined
      readonly attempts: number
      /**
       * `whole`, or `truncated` when the broker would not take the whole dead letter (only its
       * coordinates, reason and size went out), or `unpublished` when it refused even that.
       */
      readonly delivery: DeadLetterDelivery
    }
  /** A publish of a dead letter failed; it is retried, or sent truncated when it is refused for good. */
  | {
      readonly type: 'consumer:dead-letter-failed'
      readonly origin: EventOrigin
      readonly attempt: number
      readonly retryable: boolean
      readonly error: string
    }
  | { readonly type: 'consumer:store-unavailable'; readonly error: string }
  /** Postgres aborted a transaction for a concurrent one (deadlock, serialization); it runs again. */
  | { readonly type: 'consumer:conflict'; readonly error: string }

/** Counters a consumer keeps; read them with `consumer.metrics()`. */
export interface ConsumerMetrics {
  applied: number
  ignored: number
  duplicates: number
  held: number
  gaps: number
  retries: number
  deadLettered: number
  /** Dead letters the broker would not take whole, sent as a record without the message. */
  deadLettersTruncated: number
  /** Dead letters the broker refused even truncated (logged as errors; the partition moved on). */
  deadLettersUnpublished: number
  /** Failed publishes of dead letters, each retried or truncated. */
  deadLetterFailures: number
  storeUnavailable: number
  /** Transactions run again after Postgres aborted them for a concurrent one. */
  conflicts: number
}

/** Adds one to the counter that matches `event`. */
export function count(metrics: ConsumerMetrics, event: ConsumerEvent): void {
  switch (event.type) {
    case 'consumer:applied':
      metrics.applied++
      return
    case 'consumer:ignored':
      metrics.ignored++
      return
    case 'consumer:duplicate':
      metrics.duplicates++
      return
    case 'consumer:gap':
      metrics.gaps++
      if (event.action === 'held') metrics.held++
      return
    case 'consumer:gap-stalled':
      return
    case 'consumer:retried':
      metrics.retries++
      return
    case 'consumer:dead-lettered':
      metrics.deadLettered++
      if (event.delivery === 'truncated') metrics.deadLettersTruncated++
      if (event.delivery === 'unpublished') metrics.deadLettersUnpublished++
      return
    case 'consumer:dead-letter-failed':
      metrics.deadLetterFailures++
      return
    case 'consumer:store-unavailable':
      metrics.storeUnavailable++
      return
    case 'consumer:conflict':
      metrics.conflicts++
      return
  }
}
