import type { MemoryBus, ReadThroughCache, LoaderContext } from '@faultline/cache-kit'
import type { MemoryBroker } from '@faultline/sync-kit'
import type { EmbeddedCatalog, ProductPayload, ProductRow } from './catalog.js'
import { createNodeCache, type SharedRedis } from './cache-tier.js'
import { EmbeddedConsumer } from './delivery.js'
import { Switch } from './switch.js'

/** What a product read returns: the version seen (null: absent or deleted) and who served it. */
export interface ProductRead {
  readonly version: number | null
  readonly instance: string
}

/** What the query tier needs. */
export interface QueryTierOptions {
  readonly catalog: EmbeddedCatalog
  readonly redis: SharedRedis
  readonly broker: MemoryBroker
  readonly instances: number
  /**
   * A planted defect: the invalidation consumers acknowledge change events without applying them
   * to the cache, so reads go stale (the staleness checker must say `invalid`).
   * @default false
   */
  readonly skipInvalidation?: boolean
}

/** Counters that outlive a node's cache (a killed node starts a fresh one). */
interface Totals {
  hits: number
  misses: number
}

/**
 * One catalog-query instance: a cache-kit cache on the shared Redis, and the sync-kit consumer
 * that applies the catalog's change events to it (`applyChange`).
 */
export class QueryInstance {
  readonly name: string
  readonly up = new Switch()
  readonly consumer: EmbeddedConsumer
  readonly #redis: SharedRedis
  readonly #retired: Totals = { hits: 0, misses: 0 }
  #cache: ReadThroughCache
  #bus: MemoryBus

  constructor(name: string, options: QueryTierOptions) {
    this.name = name
    this.#redis = options.redis
    ;({ cache: this.#cache, bus: this.#bus } = createNodeCache(options.redis, name))
    this.consumer = new EmbeddedConsumer(
      options.broker,
      `cache-invalidation@${name}`,
      async (_tx, event) => {
        if (options.skipInvalidation === true) return
        const payload = event.payload as unknown as ProductPayload
        const lsn = event.headers['fl-commit-lsn']
        await this.#cache.applyChange({
          key: event.aggregateId,
          version: payload.version,
          ...(lsn === undefined ? {} : { lsn }),
        })
      },
    )
  }

  /** This node's cache as it is now. */
  get cache(): ReadThroughCache {
    return this.#cache
  }

  /** Hits and misses since the run began, over every cache this node had. */
  totals(): Totals {
    const stats = this.#cache.stats()
    return { hits: this.#retired.hits + stats.hits, misses: this.#retired.misses + stats.misses }
  }

  /** Replaces the cache with an empty one, as a restarted process would have (L1 lost). */
  async restart(): Promise<void> {
    const { hits, misses } = this.#cache.stats()
    this.#retired.hits += hits
    this.#retired.misses += misses
    const old = { cache: this.#cache, bus: this.#bus }
    ;({ cache: this.#cache, bus: this.#bus } = createNodeCache(this.#redis, this.name))
    await this.#closeCache(old)
  }

  /** Stops the consumer and the cache. */
  async close(): Promise<void> {
    await this.consumer.stop()
    await this.#closeCache({ cache: this.#cache, bus: this.#bus })
  }

  async #closeCache(node: { cache: ReadThroughCache; bus: MemoryBus }): Promise<void> {
    await node.cache.close()
    await node.bus.close()
    this.#redis.release(node.bus)
  }
}

/**
 * The catalog-query instances behind a round-robin "load balancer": a read goes to the next
 * instance that is up, through its cache, loading from the catalog database on a miss.
 */
export class QueryTier {
  readonly instances: readonly QueryInstance[]
  readonly loaderCalls = new Map<string, number>()
  readonly #catalog: EmbeddedCatalog
  #next = 0

  constructor(options: QueryTierOptions) {
    this.#catalog = options.catalog
    this.instances = Array.from(
      { length: options.instances },
      (_, index) => new QueryInstance(`catalog-query#${index}`, options),
    )
  }

  /** Starts every instance's consumer. */
  async start(): Promise<void> {
    await Promise.all(this.instances.map((instance) => instance.consumer.start()))
  }

  /** The next instance that is up, or undefined when none is. */
  pick(): QueryInstance | undefined {
    for (let tried = 0; tried < this.instances.length; tried++) {
      const instance = this.instances[this.#next++ % this.instances.length]
      if (instance?.up.on === true) return instance
    }
    return undefined
  }

  /** Reads a product through `instance`'s cache. Rejects when the cache cannot load it. */
  async read(instance: QueryInstance, id: string): Promise<ProductRead> {
    const row = await instance.cache.getOrLoad<ProductRow>(id, (context) => this.#load(context))
    return { version: row?.version ?? null, instance: instance.name }
  }

  /** Share of cache reads that were hits, over every instance, whole run. */
  hitRatio(): number {
    let hits = 0
    let misses = 0
    for (const instance of this.instances) {
      const totals = instance.totals()
      hits += totals.hits
      misses += totals.misses
    }
    return hits + misses === 0 ? 0 : hits / (hits + misses)
  }

  async close(): Promise<void> {
    await Promise.all(this.instances.map((instance) => instance.close()))
  }

  #load(context: LoaderContext): ProductRow | undefined {
    if (!this.#catalog.databaseUp.on)
      throw new Error('The embedded catalog database is down (a fault).')
    this.loaderCalls.set(context.key, (this.loaderCalls.get(context.key) ?? 0) + 1)
    const row = this.#catalog.get(context.key)
    if (row === undefined) return undefined
    context.report({ version: row.version })
    return row.deleted ? undefined : row
  }
}
