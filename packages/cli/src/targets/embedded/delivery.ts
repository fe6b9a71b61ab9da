import {
  createConsumer,
  createMemoryConsumerStore,
  type Consumer,
  type EventHandler,
  type MemoryBroker,
  type MemoryConsumerStore,
  type MemoryTx,
} from '@faultline/sync-kit'
import type { AppliedEvent, ConsumerApplied } from '../../checkers/snapshot.js'
import { PRODUCT_TOPIC } from './catalog.js'

/** What one consumer's handler does with an event, given where it sits in the apply order. */
export type ApplyHandler = EventHandler<MemoryTx>

/** Retries while a dependency (the cache's Redis) is down, rather than dead-lettering. */
const RETRY = { maxAttempts: 1_000_000, backoffBaseMs: 10, backoffMaxMs: 250 } as const

/**
 * One event per transaction: a retried handler then re-runs only itself, so an effect outside the
 * transaction (a cache invalidation) is never counted twice because a neighbour failed.
 */
const CHUNK = { maxBatchSize: 1 } as const

/**
 * One sync-kit consumer group on the in-memory broker, over its own in-memory inbox store. It can
 * be stopped (its process is down, or Kafka is) and started again; a new sync-kit `Consumer`
 * resumes from the group's committed offsets, as a restarted process would.
 */
export class EmbeddedConsumer {
  readonly name: string
  readonly store: MemoryConsumerStore = createMemoryConsumerStore()
  readonly #broker: MemoryBroker
  readonly #handler: ApplyHandler
  readonly #applied = new Map<string, { count: number; order: number }>()
  #consumer: Consumer<MemoryTx> | undefined
  #order = 0

  constructor(broker: MemoryBroker, name: string, handler: ApplyHandler) {
    this.#broker = broker
    this.name = name
    this.#handler = handler
  }

  /** Joins the group and consumes; a no-op while running. */
  async start(): Promise<void> {
    if (this.#consumer !== undefined) return
    const consumer = createConsumer<MemoryTx>({
      groupId: this.name,
      topics: [PRODUCT_TOPIC],
      handlers: {
        'catalog.product.changed': async (tx, event, context) => {
          await this.#handler(tx, event, context)
          this.#record(event.id)
        },
      },
      consumer: this.#broker.consumer(),
      db: this.store,
      deadLetters: this.#broker,
      ...RETRY,
      ...CHUNK,
    })
    this.#consumer = consumer
    await consumer.start()
  }

  /** Stops consuming; what it had not committed is delivered again after {@link start}. */
  async stop(): Promise<void> {
    const consumer = this.#consumer
    this.#consumer = undefined
    await consumer?.stop()
  }

  /** True while consuming. */
  get running(): boolean {
    return this.#consumer !== undefined
  }

  /** Messages on the topic this group has not committed (stopped or not). */
  lag(): number {
    const committed = new Map(
      this.#broker
        .committedOffsets(this.name, [PRODUCT_TOPIC])
        .map((position) => [position.partition, BigInt(position.offset)]),
    )
    return this.#broker
      .endOffsets([PRODUCT_TOPIC])
      .reduce(
        (sum, end) => sum + Number(BigInt(end.offset) - (committed.get(end.partition) ?? 0n)),
        0,
      )
  }

  /** Events held back behind a sequence gap (a gap that never closes keeps the system busy). */
  async heldBack(): Promise<number> {
    return (await this.store.listParked(this.name)).length
  }

  /** What it applied, for the delivery checker. */
  applied(): ConsumerApplied {
    const applied: AppliedEvent[] = [...this.#applied].map(([eventId, { count, order }]) => ({
      eventId,
      count,
      order,
    }))
    return { name: this.name, handles: ['catalog.product.changed'], applied }
  }

  /**
   * Counts an application once the handler returned. The inbox claim commits with the handler's
   * transaction, so a count above 1 means the effect really ran twice.
   */
  #record(eventId: string): void {
    const seen = this.#applied.get(eventId)
    if (seen === undefined) this.#applied.set(eventId, { count: 1, order: ++this.#order })
    else seen.count++
  }
}
