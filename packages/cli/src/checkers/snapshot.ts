/**
 * What the system looked like after quiescence, as the checkers need it. A `Target`'s
 * `inspect()` fills it: the topology adapter from the service databases, Kafka and `/metrics`;
 * the embedded adapter from the in-memory kits. Every part is optional: a checker whose part is
 * missing answers `unknown` and says which part (and the reason, from {@link
 * SystemSnapshot.unavailable}, when the adapter tried and failed).
 */
export interface SystemSnapshot {
  /** When the snapshot was taken, epoch milliseconds (saga deadlines are compared with it). */
  readonly takenAt?: number
  readonly streams?: readonly StreamSnapshot[]
  readonly readModels?: readonly ReadModelSnapshot[]
  readonly sagas?: readonly SagaSnapshot[]
  readonly business?: BusinessSnapshot
  readonly cache?: CacheSnapshot
  readonly processes?: readonly ProcessSnapshot[]
  /** Parts the adapter tried to take and could not, with why (e.g. `Kafka was down`). */
  readonly unavailable?: Readonly<Partial<Record<SnapshotPart, string>>>
}

/** The names of the snapshot's parts. */
export type SnapshotPart = 'streams' | 'readModels' | 'sagas' | 'business' | 'cache' | 'processes'

// ---- delivery (S1, S2) ------------------------------------------------------------------------

/** One outbox-to-consumers stream: one producer's `sync_outbox`, its topic and its consumers. */
export interface StreamSnapshot {
  /** e.g. `catalog` (the producing service). */
  readonly name: string
  /** The Kafka topic the relay publishes to, e.g. `outbox.event.product`. */
  readonly topic: string
  /** Every row of the producer's `sync_outbox`. */
  readonly outbox: readonly OutboxEventRow[]
  /**
   * Every message on the topic (read from the earliest offset), duplicates included; absent when
   * the topic could not be read (S1 is then `unknown`).
   */
  readonly published?: readonly TopicMessage[]
  /** What each consumer of the topic applied. */
  readonly consumers: readonly ConsumerApplied[]
}

/** An outbox row (`sync_outbox`). */
export interface OutboxEventRow {
  /** The event id (`sync_outbox.id`, a UUIDv7). */
  readonly id: string
  /** The aggregate, unique across types: `<aggregatetype>:<aggregateid>`. */
  readonly aggregate: string
  /** The per-aggregate sequence, 1, 2, 3, ... */
  readonly sequence: number
  /** The event type, e.g. `catalog.product.changed` (for {@link ConsumerApplied.handles}). */
  readonly type?: string
}

/** One message on a topic: the envelope's event id and where it sits. */
export interface TopicMessage {
  readonly eventId: string
  readonly partition: number
  readonly offset: string | number
}

/**
 * What one consumer (a consumer group's effect on its database) applied. The inbox
 * (`sync_inbox`, one row per event) cannot show a second application, so the adapter reads the
 * consumer's effect log (one row per application, in commit order) when it has one.
 */
export interface ConsumerApplied {
  /** e.g. `search.products`, `cache-invalidation@catalog-query#1`. */
  readonly name: string
  /** Event types it handles; events of other types are not expected. Absent: every type. */
  readonly handles?: readonly string[]
  readonly applied: readonly AppliedEvent[]
}

/** One event a consumer applied. */
export interface AppliedEvent {
  readonly eventId: string
  /** How many times its effect was applied (1 is right). */
  readonly count: number
  /**
   * Where its first application falls in the consumer's apply order (any increasing number, e.g.
   * the effect log's row id). Absent: the order is not known, so S2's order part is `unknown`.
   */
  readonly order?: number
}

// ---- convergence (S3) -------------------------------------------------------------------------

/** A read model and the source it must equal after quiescence. */
export interface ReadModelSnapshot {
  /** e.g. `search.product_search`. */
  readonly name: string
  /** The digest of the rows the source implies (sync-kit `checksum()`), and how many. */
  readonly source: Checksum
  /** The digest of the read model's rows, and how many. */
  readonly model: Checksum
  /** Keys of rows that differ, when the adapter compared rows (sync-kit names them). */
  readonly differingKeys?: readonly string[]
}

/** A digest of a set of rows. */
export interface Checksum {
  readonly checksum: string
  readonly rows: number
}

// ---- sagas (G1, G2) ---------------------------------------------------------------------------

/** `saga.instance.state`. */
export type SagaState =
  'STASHED' | 'RUNNING' | 'COMPENSATING' | 'COMPLETED' | 'COMPENSATED' | 'FAILED'

/** `saga.step.status`. */
export type StepStatus = 'waiting' | 'retry_wait' | 'done' | 'failed' | 'skipped'

/** One saga: its instance row, its step rows and its completions in commit order. */
export interface SagaSnapshot {
  /** `saga.instance.saga_id`. */
  readonly id: string
  readonly name?: string
  readonly state: SagaState
  /** `saga.instance.deadline_at`, epoch ms; null when the saga has none. */
  readonly deadlineAt: number | null
  /** Its steps in definition order, each with both directions' status. */
  readonly steps: readonly SagaStepSnapshot[]
  /**
   * Every step completion in commit order, both directions: `saga.history` rows of kind
   * `step.completed`, ordered by id. The compensations are the `compensate` ones.
   */
  readonly completions: readonly StepCompletion[]
}

/** One step of a saga (`saga.step` rows for it, plus what the definition says). */
export interface SagaStepSnapshot {
  readonly stepId: string
  /** False for pivot and retriable steps and steps without a compensation. */
  readonly compensatable: boolean
  /** The parallel group it belongs to, if any: members of one group may be undone in any order. */
  readonly group?: string
  /** Status of the `invoke` row; absent when the step never started. */
  readonly invoke?: StepStatus
  /** True when an attempt timed out: it may have acted, so it must be compensated too. */
  readonly uncertain?: boolean
  /** Status of the `compensate` row; absent when no compensation started. */
  readonly compensate?: StepStatus
}

/** One `step.completed` entry of `saga.history`. */
export interface StepCompletion {
  readonly stepId: string
  readonly direction: 'invoke' | 'compensate'
}

// ---- business state (G3) ----------------------------------------------------------------------

/** The business tables of the order flow; each part optional. */
export interface BusinessSnapshot {
  /** `inventory`: one row per product. */
  readonly stock?: readonly StockRow[]
  /** `orders`: one row per order. */
  readonly orders?: readonly OrderRow[]
  /** `payments`: one row per charge. */
  readonly charges?: readonly ChargeRow[]
}

/** Stock of one product. Conserved: `available + reserved = initial`. */
export interface StockRow {
  readonly productId: string
  /** Units put on the shelf during the run (the seed plus any restock). */
  readonly initial: number
  readonly available: number
  /** Units held by reservations (approved orders and sagas still running). */
  readonly reserved: number
}

/** An order, with its status mapped to the saga's outcome. */
export interface OrderRow {
  readonly orderId: string
  /** `APPROVED` includes later states such as shipped. */
  readonly status: 'PENDING' | 'APPROVED' | 'REJECTED'
  readonly productId: string
  readonly qty: number
}

/** A charge; `REFUNDED` when it was undone. */
export interface ChargeRow {
  readonly chargeId?: string
  readonly orderId: string
  readonly status: 'CHARGED' | 'REFUNDED'
  readonly amount?: number
}

// ---- cache (C4) and processes (R1) ------------------------------------------------------------

/** Cache counters summed over every node. */
export interface CacheSnapshot {
  /**
   * Loader calls per entity key (the key the history uses, e.g. a product id), whole run: each
   * instance counts the calls of the loaders it hands the cache (the topology's catalog-query on
   * `GET /ops/loader-calls`), and the adapter sums them.
   */
  readonly loaderCalls: Readonly<Record<string, number>>
}

/** One process of the topology at the end of the run. */
export interface ProcessSnapshot {
  /** e.g. `catalog-query#1`, `postgres`. */
  readonly name: string
  readonly pid?: number
  readonly alive: boolean
  /** Exits the supervisor did not cause (a fault's kill is not a crash). */
  readonly crashes?: number
}
