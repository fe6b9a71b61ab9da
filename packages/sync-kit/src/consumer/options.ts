import type { ConsumedEvent } from '../envelope.js'
import { SyncKitError } from '../errors.js'
import type { Clock, EventPublisher, Logger } from '../ports.js'
import { systemClock, silentLogger } from '../ports.js'
import { Upcasters } from '../upcast.js'
import type { ConsumerStore, EventConsumer, EventOrigin } from './ports.js'
import type { ConsumerEvent } from './events.js'

/** What a handler learns besides the event. */
export interface HandlerContext {
  readonly origin: EventOrigin
  /** 1 on the first try, then 2, 3, ... while retrying. */
  readonly attempt: number
  readonly groupId: string
}

/**
 * Applies one event inside the consumer's transaction. Writes through `tx` commit together with
 * the inbox row; a throw rolls them back and the event is retried, then dead-lettered.
 */
export type EventHandler<Tx> = (
  tx: Tx,
  event: ConsumedEvent,
  context: HandlerContext,
) => Promise<void>

/**
 * - `hold` (default): an event whose sequence is ahead of the next expected one is parked in the
 *   store and applied as soon as the events before it have been applied. `consumer:gap` is
 *   reported when it is parked, `consumer:gap-stalled` once it has waited `gapAlarmMs`.
 * - `report`: the event is applied at once and `consumer:gap` is reported; a late event is still
 *   applied once (the inbox deduplicates), so per-key order is not guaranteed.
 */
export type GapPolicy = 'hold' | 'report'

/** Options for {@link createConsumer}. */
export interface ConsumerOptions<Tx> {
  /** Broker consumer group; also the inbox namespace unless `namespace` is set. */
  readonly groupId: string
  readonly topics: readonly string[]
  /** One handler per event type (without version); handlers see the current version only. */
  readonly handlers: Readonly<Record<string, EventHandler<Tx>>>
  /** Where messages come from (kafkajs or in-memory adapter). */
  readonly consumer: EventConsumer
  /** The inbox and the handlers' database. */
  readonly db: ConsumerStore<Tx>
  /** Publishes dead letters. */
  readonly deadLetters: EventPublisher
  /** @default `${groupId}.dlq` */
  readonly deadLetterTopic?: string
  /** Inbox namespace. @default groupId */
  readonly namespace?: string
  /** Lifts old event versions. @default an empty registry: every type is at version 1 */
  readonly upcasters?: Upcasters
  /**
   * What to do with a type that has no handler: `dead-letter` it as unknown, or `ignore` it (it
   * still takes its place in the aggregate's sequence). Types in `ignoreTypes` are always ignored.
   * @default 'dead-letter'
   */
  readonly unhandledTypes?: 'dead-letter' | 'ignore'
  /** @default [] */
  readonly ignoreTypes?: readonly string[]
  /** @default 'hold' */
  readonly gapPolicy?: GapPolicy
  /** @default 60_000 */
  readonly gapAlarmMs?: number
  /** Attempts per event before it is dead-lettered. @default 5 */
  readonly maxAttempts?: number
  /** First retry delay; doubles per attempt. @default 100 */
  readonly backoffBaseMs?: number
  /** @default 5_000 */
  readonly backoffMaxMs?: number
  /**
   * At most this many events are applied in one database transaction: their inbox rows,
   * positions and handler writes commit together, and their offsets are committed to the broker
   * right after. Larger chunks amortise BEGIN, the claim and COMMIT (n + 2 round trips for n
   * events whose handlers make one statement each, instead of 5n) but hold their locks longer
   * and are redelivered whole after a crash. The default stays below PostgreSQL's 64 cached
   * subtransaction ids per transaction, so handlers that set one savepoint per event do not
   * overflow them (an overflowed transaction slows every snapshot in the cluster). A handler
   * that throws costs its chunk a rollback: the events before it are applied again, in one
   * transaction, and it is retried on its own. An integer from 1 to 1000.
   * @default 50
   */
  readonly maxBatchSize?: number
  /**
   * How long one chunk's transaction should take, roughly. Every event of a chunk commits when
   * its last one does, and the chunk holds its locks until then, so chunks shrink when events
   * are slow to apply (down to one event) and grow when they are cheap (up to `maxBatchSize`),
   * from a running average of the time per event. `Infinity` always takes `maxBatchSize`.
   * @default 20
   */
  readonly chunkTargetMs?: number
  /** Start a new group at the earliest offset. @default true */
  readonly fromBeginning?: boolean
  /** Lock taken shared by every transaction (projections use it for atomic swaps). */
  readonly sharedLock?: string
  /** @default systemClock */
  readonly clock?: Clock
  /** How to wait between retries. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>
  /** @default silentLogger */
  readonly logger?: Logger
  /** Observes what happens to each event (metrics, tests). */
  readonly onEvent?: (event: ConsumerEvent) => void
}

/** Default tunables of {@link ConsumerOptions}. */
export const CONSUMER_DEFAULTS = {
  unhandledTypes: 'dead-letter',
  gapPolicy: 'hold',
  gapAlarmMs: 60_000,
  maxAttempts: 5,
  backoffBaseMs: 100,
  backoffMaxMs: 5_000,
  maxBatchSize: 50,
  chunkTargetMs: 20,
  fromBeginning: true,
} as const

/** The largest `maxBatchSize`: one chunk is one SQL statement's worth of literals. */
const MAX_BATCH_SIZE = 1000

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** {@link ConsumerOptions} with every default filled in. */
export type ResolvedConsumerOptions<Tx> = Required<
  Omit<ConsumerOptions<Tx>, 'sharedLock' | 'onEvent'>
> &
  Pick<ConsumerOptions<Tx>, 'sharedLock' | 'onEvent'>

function invalid(field: string, why: string): SyncKitError {
  return new SyncKitError('E_SYNC_INVALID_OPTION', `createConsumer(): ${field} ${why}`, {
    context: { field },
  })
}

/** Validates options once, at construction. */
export function resolveConsumerOptions<Tx>(o: ConsumerOptions<Tx>): ResolvedConsumerOptions<Tx> {
  if (typeof o.groupId !== 'string' || o.groupId === '') throw invalid('groupId', 'is required')
  if (!Array.isArray(o.topics) || o.topics.length === 0) throw invalid('topics', 'is empty')
  for (const [field, value] of Object.entries({ maxAttempts: o.maxAttempts })) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw invalid(field, 'must be an integer >= 1')
    }
  }
  const target = o.chunkTargetMs
  if (target !== undefined && !(typeof target === 'number' && target > 0)) {
    throw invalid('chunkTargetMs', `must be a number > 0 (got ${target})`)
  }
  const size = o.maxBatchSize
  if (size !== undefined && (!Number.isInteger(size) || size < 1 || size > MAX_BATCH_SIZE)) {
    throw invalid('maxBatchSize', `must be an integer from 1 to ${MAX_BATCH_SIZE} (got ${size})`)
  }
  for (const [type, handler] of Object.entries(o.handlers ?? {})) {
    if (typeof handler !== 'function') throw invalid(`handlers["${type}"]`, 'is not a function')
  }
  return {
    ...CONSUMER_DEFAULTS,
    deadLetterTopic: `${o.groupId}.dlq`,
    namespace: o.groupId,
    upcasters: new Upcasters(),
    ignoreTypes: [],
    clock: systemClock,
    sleep: realSleep,
    logger: silentLogger,
    ...stripUndefined(o),
  }
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}
