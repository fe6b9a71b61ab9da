import type { BatchLoaderContext, LoaderContext } from '@faultline/cache-kit'
import type { ReplicaRouter } from '@faultline/cache-kit/postgres'
import { compareLsn, type Lsn, type SqlClient } from '@faultline/common'
import {
  PRODUCT_COLUMNS,
  categoryTag,
  productKey,
  toProduct,
  type Product,
  type ProductRow,
} from '../shared/product.js'
import type { ProductCache } from './loader-calls.js'

/** One keyset page of a category, ordered by id. */
export interface ProductPage {
  readonly items: readonly Product[]
  /** Pass it as `cursor` for the next page; null on the last one. */
  readonly nextCursor: string | null
}

const BY_ID = `SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = $1`
const BY_IDS = `SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = ANY($1::text[])`
const PAGE = `SELECT ${PRODUCT_COLUMNS} FROM products
  WHERE category = $1 AND NOT deleted AND id > $2 ORDER BY id LIMIT $3`

async function queryOne(db: SqlClient, id: string): Promise<Product | undefined> {
  const row = (await db.query<ProductRow>(BY_ID, [id])).rows[0]
  return row === undefined ? undefined : toProduct(row)
}

async function queryPage(
  db: SqlClient,
  category: string,
  cursor: string,
  limit: number,
): Promise<ProductPage> {
  const rows = (await db.query<ProductRow>(PAGE, [category, cursor, limit])).rows
  const items = rows.map(toProduct)
  return { items, nextCursor: items.length === limit ? (items.at(-1)?.id ?? null) : null }
}

/** The larger of two optional LSNs. */
function later(left: Lsn | undefined, right: Lsn | undefined): Lsn | undefined {
  if (left === undefined) return right
  if (right === undefined) return left
  return compareLsn(left, right) >= 0 ? left : right
}

/**
 * The catalog's read paths: cache-kit L1 → Redis → a loader on the replica through the replica
 * router. Deleted products are cached as their tombstone row (it has a version, so a fill of the
 * older live row is refused) and shown as not found by the routes.
 */
export class ProductReads {
  readonly #cache: ProductCache
  readonly #router: ReplicaRouter
  readonly #primary: SqlClient

  constructor(cache: ProductCache, router: ReplicaRouter, primary: SqlClient) {
    this.#cache = cache
    this.#router = router
    this.#primary = primary
  }

  /**
   * One product. With a token the read skips both cache tiers: another node's invalidation may
   * not have reached this node's L1 yet (cache-kit's C3 window is the bus delivery time), and the
   * router then reads the replica once it has replayed the token, else the primary.
   */
  async one(id: string, token: string | undefined): Promise<Product | undefined> {
    if (token !== undefined)
      return (await this.#router.read((db) => queryOne(db, id), { token })).result
    const load = this.#router.loader(async (db, ctx: LoaderContext) => {
      const product = await queryOne(db, id)
      // "Not found" is version 0: below the watermark of a product whose creation was applied,
      // so a lagging replica's miss is refused and reloaded instead of cached as a 404.
      ctx.report({ version: product?.version ?? 0 })
      return product
    })
    return this.#cache.getOrLoad(productKey(id), load)
  }

  /** Many products in one `getManyOrLoad`: every key that missed both tiers in one query. */
  async many(
    ids: readonly string[],
    token: string | undefined,
  ): Promise<Map<string, Product | undefined>> {
    if (token !== undefined) {
      const { result } = await this.#router.read((db) => this.#queryMany(db, ids), { token })
      return new Map(ids.map((id) => [id, result.get(id)]))
    }
    const keys = ids.map(productKey)
    const found = await this.#cache.getManyOrLoad(keys, (missed, ctx) =>
      this.#loadMany(missed, ctx),
    )
    return new Map(ids.map((id) => [id, found.get(productKey(id))]))
  }

  /** A keyset page of `category` after `cursor`, cached per page and tagged with the category. */
  async page(
    category: string,
    cursor: string,
    limit: number,
    token: string | undefined,
  ): Promise<ProductPage> {
    const query = (db: SqlClient): Promise<ProductPage> => queryPage(db, category, cursor, limit)
    if (token !== undefined) return (await this.#router.read(query, { token })).result
    const key = `page:${category}:${cursor}:${limit}`
    // A page has no version to fence with, and a tag carries no LSN: the page loader reads at the
    // primary's current LSN, which is past every write whose invalidation came before this miss.
    const load = async (ctx: LoaderContext): Promise<ProductPage | undefined> => {
      const floor = await this.#router.currentToken()
      return this.#router.loader(query, { token: floor })(ctx)
    }
    const page = await this.#cache.getOrLoad(key, load, { tags: [categoryTag(category)] })
    return page ?? { items: [], nextCursor: null }
  }

  async #queryMany(db: SqlClient, ids: readonly string[]): Promise<Map<string, Product>> {
    const rows = (await db.query<ProductRow>(BY_IDS, [ids])).rows
    return new Map(rows.map((row) => [row.id, toProduct(row)]))
  }

  /**
   * The batch loader: it must see every missed key's invalidation LSN, so it reads at the
   * largest of them (the router waits for the replica or reads the primary), and it reports
   * each row's version and the replay LSN the replica had reached, so the fences apply per key.
   */
  async #loadMany(keys: readonly string[], ctx: BatchLoaderContext): Promise<Map<string, Product>> {
    let target: Lsn | undefined
    for (const key of keys) target = later(target, ctx.watermarks.get(key)?.lsn)
    const ids = keys.map((key) => key.slice('product:'.length))
    const { result, lsn } = await this.#router.read((db) => this.#queryMany(db, ids), {
      token: target,
    })
    // getManyOrLoad returns a loaded value even when its fill is refused as behind the key's
    // version watermark (getOrLoad would reload): rows behind it are read again on the primary.
    const behind = ids.filter((id) => {
      const floor = ctx.watermarks.get(productKey(id))?.version
      return floor !== undefined && (result.get(id)?.version ?? 0) < floor
    })
    const current =
      behind.length === 0
        ? new Map<string, Product>()
        : await this.#queryMany(this.#primary, behind)
    const loaded = new Map<string, Product>()
    for (const [id, product] of current) {
      ctx.report(productKey(id), { version: product.version })
      loaded.set(productKey(id), product)
    }
    for (const id of ids) {
      if (current.has(id)) continue
      const product = result.get(id)
      const key = productKey(id)
      ctx.report(key, { version: product?.version ?? 0, ...(lsn === undefined ? {} : { lsn }) })
      if (product !== undefined) loaded.set(key, product)
    }
    return loaded
  }
}
