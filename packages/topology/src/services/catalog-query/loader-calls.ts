import { randomUUID } from 'node:crypto'
import type {
  BatchLoader,
  GetOrLoadOptions,
  Loader,
  LoaderContext,
  ReadThroughCache,
} from '@faultline/cache-kit'
import { productKey } from '../shared/product.js'

/** What the catalog's read paths use of the cache. */
export type ProductCache = Pick<ReadThroughCache, 'getOrLoad' | 'getManyOrLoad'>

/** Products counted by id at most; calls on products past it are counted in one sum. */
export const MAX_COUNTED_PRODUCTS = 10_000

/** What {@link LoaderCalls.report} returns: the counts, and whether any are left out. */
export interface LoaderCallReport {
  /** New at every process start: counts under another boot id were lost with that process. */
  readonly bootId: string
  /** Loader calls per product id, only products with calls, at most `limit` of them. */
  readonly products: Readonly<Record<string, number>>
  /** Products with calls, listed or not. */
  readonly productCount: number
  /** True when products or calls are left out: `limit` cut the list, or the count bound was hit. */
  readonly truncated: boolean
}

const PRODUCT_PREFIX = productKey('')

/**
 * Loader calls per product since this process started: the C4 checker sums them over every
 * instance, so each call of a loader the read paths hand to cache-kit is one count under the
 * product's id. Memory is bounded: past {@link MAX_COUNTED_PRODUCTS} products, calls on new ones
 * add to a sum that makes every report say `truncated`.
 */
export class LoaderCalls {
  readonly bootId = randomUUID()
  readonly #counts = new Map<string, number>()
  #uncounted = 0
  /**
   * Test hook (the herd defence switched off): every product read calls its loader itself, past
   * cache-kit's single-flight and lease, as a node without them does under a herd.
   */
  bypassCache = false

  /** Counts one loader call for each product key in `keys`; other keys (pages) are ignored. */
  count(keys: readonly string[]): void {
    for (const key of keys) {
      if (!key.startsWith(PRODUCT_PREFIX)) continue
      const id = key.slice(PRODUCT_PREFIX.length)
      const calls = this.#counts.get(id)
      if (calls !== undefined) this.#counts.set(id, calls + 1)
      else if (this.#counts.size < MAX_COUNTED_PRODUCTS) this.#counts.set(id, 1)
      else this.#uncounted += 1
    }
  }

  /** The counts of at most `limit` products, in the order they were first loaded. */
  report(limit: number): LoaderCallReport {
    const products: Record<string, number> = {}
    let listed = 0
    for (const [id, calls] of this.#counts) {
      if (listed++ >= limit) break
      products[id] = calls
    }
    const productCount = this.#counts.size
    return {
      bootId: this.bootId,
      products,
      productCount,
      truncated: productCount > limit || this.#uncounted > 0,
    }
  }
}

/** A loader context for a load cache-kit does not run (the bypass): no fence, nothing reported. */
function detachedContext(key: string): LoaderContext {
  return {
    key,
    signal: AbortSignal.timeout(10_000),
    watermark: {},
    attempt: 0,
    report: () => undefined,
  }
}

/**
 * `cache` with every loader call on a product key counted in `calls`. With
 * {@link LoaderCalls.bypassCache} set, product reads skip the cache and call their loader.
 */
export function countLoaderCalls(cache: ProductCache, calls: LoaderCalls): ProductCache {
  return {
    async getOrLoad<T>(key: string, loader: Loader<T>, options?: GetOrLoadOptions) {
      const counted: Loader<T> = (ctx) => {
        calls.count([key])
        return loader(ctx)
      }
      if (calls.bypassCache && key.startsWith(PRODUCT_PREFIX)) return counted(detachedContext(key))
      return cache.getOrLoad(key, counted, options)
    },
    async getManyOrLoad<T>(
      keys: readonly string[],
      loader: BatchLoader<T>,
      options?: GetOrLoadOptions,
    ) {
      const counted: BatchLoader<T> = (missed, ctx) => {
        calls.count(missed)
        return loader(missed, ctx)
      }
      if (!calls.bypassCache) return cache.getManyOrLoad(keys, counted, options)
      const loaded = await counted(keys, {
        signal: AbortSignal.timeout(10_000),
        watermarks: new Map(),
        report: () => undefined,
      })
      return loaded instanceof Map ? loaded : new Map(Object.entries(loaded))
    },
  }
}
