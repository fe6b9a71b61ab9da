import { createMemoryBroker, type MemoryBroker } from '@faultline/sync-kit'
import type { SystemSnapshot } from '../../checkers/snapshot.js'
import type { QuiescenceReport } from '../../core/target.js'
import { EmbeddedCatalog, PRODUCT_TOPIC, productId } from './catalog.js'
import { SharedRedis } from './cache-tier.js'
import type { EmbeddedConsumer } from './delivery.js'
import { EmbeddedOrders } from './orders.js'
import { QueryTier } from './query-tier.js'
import { SearchModel } from './search.js'
import { Switch } from './switch.js'

/** The sizes and knobs of one embedded system. */
export interface SystemOptions {
  readonly products: number
  readonly stock: number
  readonly instances: number
  readonly paymentFailureRate: number
  readonly random: () => number
  readonly skipInvalidation: boolean
}

/**
 * The catalog-order system in one process: the catalog database with its outbox and relay, a
 * sync-kit in-memory broker, catalog-query instances (cache-kit caches on one shared memory
 * Redis, each invalidated by its own consumer), the search read model, and orders with their
 * saga.
 */
export class EmbeddedSystem {
  readonly broker: MemoryBroker = createMemoryBroker()
  readonly redis = new SharedRedis()
  readonly kafkaUp = new Switch()
  readonly catalog: EmbeddedCatalog
  readonly tier: QueryTier
  readonly search: SearchModel
  readonly orders: EmbeddedOrders

  constructor(options: SystemOptions) {
    this.catalog = new EmbeddedCatalog(this.broker, options.products)
    this.tier = new QueryTier({
      catalog: this.catalog,
      redis: this.redis,
      broker: this.broker,
      instances: options.instances,
      skipInvalidation: options.skipInvalidation,
    })
    this.search = new SearchModel(this.broker, this.catalog)
    this.orders = new EmbeddedOrders({
      productIds: Array.from({ length: options.products }, (_, index) => productId(index)),
      stock: options.stock,
      paymentFailureRate: options.paymentFailureRate,
      random: options.random,
    })
  }

  /** Every consumer of the product topic. */
  consumers(): EmbeddedConsumer[] {
    return [...this.tier.instances.map((instance) => instance.consumer), this.search.consumer]
  }

  /** Starts the consumers whose process (and Kafka) are up. */
  async resumeConsumers(): Promise<void> {
    if (!this.kafkaUp.on) return
    const instances = this.tier.instances.filter((instance) => instance.up.on)
    await Promise.all([
      ...instances.map((instance) => instance.consumer.start()),
      ...(this.search.up.on ? [this.search.consumer.start()] : []),
    ])
  }

  /** Backfills the search model and starts every consumer. */
  async start(): Promise<void> {
    await this.search.backfill()
    await this.resumeConsumers()
  }

  /**
   * Quiet once the outbox is published, every consumer caught up with nothing held back behind a
   * sequence gap, and every saga ended.
   */
  async quiescence(): Promise<QuiescenceReport> {
    const outboxPending = this.catalog.pending()
    const consumerLag = this.consumerLag()
    const runningSagas = this.orders.running()
    const held = await Promise.all(this.consumers().map((consumer) => consumer.heldBack()))
    const heldBack = held.reduce((sum, count) => sum + count, 0)
    return {
      quiet: outboxPending === 0 && consumerLag === 0 && heldBack === 0 && runningSagas === 0,
      detail: { outboxPending, consumerLag, heldBack, runningSagas },
    }
  }

  /** Events on the topic not yet applied, summed over consumers. */
  consumerLag(): number {
    return this.consumers().reduce((sum, consumer) => sum + consumer.lag(), 0)
  }

  /** The state the checkers read, from the in-memory parts. */
  snapshot(): SystemSnapshot {
    return {
      takenAt: Date.now(),
      streams: [
        {
          name: 'catalog',
          topic: PRODUCT_TOPIC,
          outbox: this.catalog.outbox(),
          published: this.broker.messages(PRODUCT_TOPIC).map((message) => ({
            eventId: message.headers['fl-event-id'] ?? '',
            partition: message.partition,
            offset: message.offset,
          })),
          consumers: this.consumers().map((consumer) => consumer.applied()),
        },
      ],
      readModels: [this.search.snapshot()],
      sagas: this.orders.sagas(),
      business: this.orders.business(),
      cache: { loaderCalls: Object.fromEntries(this.tier.loaderCalls) },
      processes: this.#processes(),
    }
  }

  async close(): Promise<void> {
    await this.orders.close()
    await this.catalog.settled()
    await this.tier.close()
    await this.search.consumer.stop()
    await this.broker.close()
  }

  #processes(): { name: string; alive: boolean }[] {
    return [
      { name: 'postgres', alive: this.catalog.databaseUp.on },
      { name: 'redis', alive: this.redis.up.on },
      { name: 'kafka', alive: this.kafkaUp.on },
      { name: 'relay-catalog#0', alive: this.catalog.relayUp.on },
      { name: 'orders#0', alive: this.orders.orchestratorUp.on },
      { name: 'inventory#0', alive: this.orders.inventoryUp.on },
      { name: 'payments#0', alive: this.orders.paymentsUp.on },
      { name: 'search#0', alive: this.search.up.on },
      ...this.tier.instances.map((instance) => ({ name: instance.name, alive: instance.up.on })),
    ]
  }
}
