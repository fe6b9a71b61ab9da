import type { ConsumedEvent, EventEnvelope } from '../envelope.js'

/** One message as a broker delivered it. */
export interface ConsumedMessage {
  readonly topic: string
  readonly partition: number
  /** Offset as a decimal string (Kafka offsets are 64-bit). */
  readonly offset: string
  readonly key: string | null
  readonly value: Buffer | null
  readonly headers: Readonly<Record<string, string>>
}

/** An offset of one partition: for end offsets, the offset the next message will get. */
export interface PartitionOffset {
  readonly topic: string
  readonly partition: number
  readonly offset: string
}

/**
 * Messages of one partition, handed over together so the consumer can apply many of them per
 * database transaction. The consumer commits offsets itself, chunk by chunk, after each chunk's
 * effects are durable.
 */
export interface ConsumedBatch {
  readonly topic: string
  readonly partition: number
  /** In offset order; never empty. */
  readonly messages: readonly ConsumedMessage[]
  /**
   * Commits the group's position past `offset` (the next run starts at `offset + 1`). Call it
   * only once every message up to `offset` is handled durably. A crash before it redelivers them.
   */
  commit(offset: string): Promise<void>
  /**
   * False once the consumer stops, crashes or loses the partition (a rebalance, a seek): leave
   * the rest of the batch uncommitted for whoever reads the partition next.
   */
  isActive(): boolean
}

/** What {@link EventConsumer.run} needs: exactly one of `eachMessage` and `eachBatch`. */
export interface ConsumerRunOptions {
  readonly groupId: string
  readonly topics: readonly string[]
  /** Start a group that has no committed offset at the earliest offset (else at the end). */
  readonly fromBeginning: boolean
  /**
   * Called once per message. The offset is committed only after the promise resolves; a rejection
   * stops delivery on that partition and the message is delivered again to the next run.
   */
  eachMessage?(message: ConsumedMessage): Promise<void>
  /**
   * Called with the messages one fetch brought for one partition; offsets are committed only
   * through {@link ConsumedBatch.commit}. A rejection stops delivery on that partition, and what
   * was not committed is delivered again to the next run.
   */
  eachBatch?(batch: ConsumedBatch): Promise<void>
}

/**
 * Receives messages from a broker. An implementation must keep these guarantees:
 *
 * - **Partition order.** Within one partition, `eachMessage` (or `eachBatch`) is called one
 *   message (batch) at a time, in offset order. Partitions may run concurrently.
 * - **Commit after handling.** An offset is committed only after `eachMessage` resolved for it
 *   (or `commit` was called past it), so a crash redelivers (at-least-once); duplicates are the
 *   consumer's inbox's job.
 * - **Groups.** Two runs with the same `groupId` share the partitions; different groups each see
 *   every message.
 */
export interface EventConsumer {
  /** Subscribes and starts delivering; resolves once the subscription is running. */
  run(options: ConsumerRunOptions): Promise<void>
  /**
   * Optional: makes sure every one of `topics` exists, creating it when the adapter is set up to,
   * else rejecting at once with `E_SYNC_TOPIC_MISSING` naming the topic. The consumer calls it in
   * `start()`, so a missing topic is not a subscription that times out later.
   */
  checkTopics?(topics: readonly string[]): Promise<void>
  /** Stops delivering and leaves the group; in-flight `eachMessage`/`eachBatch` calls finish first. */
  stop(): Promise<void>
  /** The end offset (high watermark) of every partition of `topics`. */
  endOffsets(topics: readonly string[]): Promise<PartitionOffset[]>
  /** The offsets `groupId` has committed; partitions without a commit are left out. */
  committedOffsets(groupId: string, topics: readonly string[]): Promise<PartitionOffset[]>
}

/** The aggregate an event belongs to. */
export interface AggregateRef {
  readonly aggregateType: string
  readonly aggregateId: string
}

/** Where a message was read, for dead letters and logs. */
export interface EventOrigin {
  readonly topic: string
  readonly partition: number
  readonly offset: string
}

/** An event held back until the events before it in its aggregate's sequence arrive. */
export interface ParkedEvent {
  readonly event: ConsumedEvent
  readonly origin: EventOrigin
  /** True for a dead-lettered event: it only fills its sequence slot, nothing is applied. */
  readonly dead: boolean
  /** Clock time (ms) at which it was parked. */
  readonly parkedAt: number
}

/** An aggregate's position as a chunk's transaction found it. */
export interface ChunkPosition {
  /** The last applied sequence (0 when none), locked until the transaction ends. */
  readonly last: number
  /** True when events of the aggregate are parked (checked after the lock was granted). */
  readonly parked: boolean
}

/** What a chunk's transaction learned when it claimed its events. */
export interface ChunkClaim {
  /** The event ids this transaction claimed; the chunk's other events are duplicates. */
  readonly claimed: ReadonlySet<string>
  /** Every aggregate of the chunk, keyed by {@link aggregateKey}. */
  readonly positions: ReadonlyMap<string, ChunkPosition>
}

/** What a chunk's body hands back: the positions to record before COMMIT, and its result. */
export interface ChunkEnd<T> {
  readonly sequences: readonly { readonly aggregate: AggregateRef; readonly sequence: number }[]
  readonly value: T
}

/** The key of an aggregate in {@link ChunkClaim.positions}. */
export function aggregateKey(a: AggregateRef): string {
  return JSON.stringify([a.aggregateType, a.aggregateId])
}

/** Options for {@link ConsumerStore.transaction}. */
export interface TransactionOptions {
  /**
   * Takes this lock in shared mode before anything else in the transaction; projections use it
   * so that a rebuild's swap can pause live applies (the swap holds it exclusively).
   */
  readonly sharedLock?: string
}

/**
 * The consumer's durable state, kept in the same database as the handlers' writes so that the
 * inbox row, the sequence position and the effect commit in one transaction.
 *
 * - `claim` is an insert-if-absent on `(namespace, eventId)`: exactly one committed transaction
 *   ever claims an id.
 * - `lastSequence` locks the aggregate's position until the transaction ends, so two deliveries
 *   of one aggregate (e.g. after a rebalance) are applied one after the other.
 * - Every method taking `tx` does its work inside that transaction.
 */
export interface ConsumerStore<Tx> {
  /**
   * Optional: rejects with `E_SYNC_SCHEMA_MISSING` when the store's tables do not exist, so a
   * consumer fails at start, naming the migration to run, instead of on its first event.
   */
  checkSchema?(): Promise<void>
  /** Runs `fn` in a transaction: commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>, options?: TransactionOptions): Promise<T>
  /** Records `eventId` as consumed; false when it already was (a duplicate). */
  claim(tx: Tx, namespace: string, eventId: string): Promise<boolean>
  /** The last applied sequence of the aggregate (0 when none), locked until commit. */
  lastSequence(tx: Tx, namespace: string, aggregate: AggregateRef): Promise<number>
  /**
   * Optional: `claim(event.id)` and, when it succeeds, `lastSequence` of the event's aggregate,
   * as one step (a store that can do both in one round trip implements it). Returns the locked
   * last sequence, or null for a duplicate (nothing is locked then).
   */
  claimAndLock?(tx: Tx, namespace: string, event: EventEnvelope): Promise<number | null>
  /**
   * Optional: one transaction for a chunk of events. It claims every id of `events` (distinct
   * ids; a claimed id is in {@link ChunkClaim.claimed}, the others are duplicates), locks the
   * positions of all their aggregates in {@link aggregateKey} order (so two chunks never deadlock
   * on them), reports which aggregates have parked events (read after the locks were granted),
   * runs `fn`, records the sequences `fn` returns, and commits. A throw from `fn` rolls it all
   * back. A store implements it to save round trips (Postgres: BEGIN and the claim travel in
   * one, the positions and COMMIT in one); without it the consumer does the same with
   * `transaction`, `claim`, `lastSequence` and `setSequence`.
   */
  chunkTransaction?<T>(
    namespace: string,
    events: readonly EventEnvelope[],
    fn: (tx: Tx, claim: ChunkClaim) => Promise<ChunkEnd<T>>,
    options?: TransactionOptions,
  ): Promise<T>
  /**
   * Records the aggregate's last applied sequence. Resolves true when events of the aggregate are
   * parked, so the caller knows a drain may release one (and skips it when none are).
   */
  setSequence(
    tx: Tx,
    namespace: string,
    aggregate: AggregateRef,
    sequence: number,
  ): Promise<boolean>
  /** Parks an event; false when another event already holds that sequence slot. */
  park(tx: Tx, namespace: string, parked: ParkedEvent): Promise<boolean>
  /** Removes and returns the parked event at `sequence`, if any. */
  takeParked(
    tx: Tx,
    namespace: string,
    aggregate: AggregateRef,
    sequence: number,
  ): Promise<ParkedEvent | undefined>
  /** Every parked event of the namespace, oldest first. */
  listParked(namespace: string): Promise<ParkedEvent[]>
  /**
   * True when `err` means the store itself is unreachable (connection lost, server restarting):
   * the consumer then waits and retries without counting an attempt against the event.
   */
  isUnavailable(err: unknown): boolean
}

/** A {@link ConsumerStore} that can also host projection tables and swap them atomically. */
export interface ProjectionStore<Tx> extends ConsumerStore<Tx> {
  /** Holds `lock` exclusively while `fn` runs: transactions taking it shared wait. */
  exclusive<T>(lock: string, fn: () => Promise<T>): Promise<T>
  /** In `tx`: drops `live` (if any) and renames `fresh` to `live`. */
  swapTables(tx: Tx, live: string, fresh: string): Promise<void>
  dropTable(tx: Tx, table: string): Promise<void>
  /** In `tx`: replaces the inbox, positions and parked events of `to` by those of `from`. */
  moveNamespace(tx: Tx, from: string, to: string): Promise<void>
}
