/** The event every catalog write appends, at schema version 1. */
export const PRODUCT_CHANGED = 'catalog.product.changed'
/** The aggregate type of products; sync-kit's relay routes it to `outbox.event.product`. */
export const PRODUCT_AGGREGATE = 'product'

/** What changed in a `catalog.product.changed@1` event. */
export type ProductChange = 'created' | 'replaced' | 'price' | 'deleted'

/** A product as every catalog route returns it. */
export interface Product {
  readonly id: string
  readonly name: string
  readonly category: string
  readonly description: string
  readonly priceCents: number
  /** Units the catalog was seeded or last set with; inventory owns the live count. */
  readonly stock: number
  /** Row version: 1 on create, +1 on every write (the cache fences fills with it). */
  readonly version: number
  readonly deleted: boolean
}

/**
 * The payload of `catalog.product.changed@1`: the whole row after the write (so a projection
 * needs no other source), what changed, and the category before the write (so the category
 * pages of both categories are invalidated when a product moves).
 */
export interface ProductChangedPayload extends Product {
  readonly change: ProductChange
  readonly previousCategory: string | null
}

/** The cache key of one product. */
export function productKey(id: string): string {
  return `product:${id}`
}

/** The tag every cached category page of `category` carries. */
export function categoryTag(category: string): string {
  return `category:${category}`
}

/** A database row of `products`. */
export interface ProductRow {
  readonly id: string
  readonly name: string
  readonly category: string
  readonly description: string
  readonly price_cents: string | number
  readonly stock: number
  readonly version: number
  readonly deleted: boolean
}

/** The columns {@link toProduct} needs, for SELECT lists. */
export const PRODUCT_COLUMNS =
  'id, name, category, description, price_cents, stock, version, deleted'

/** A row as the API shows it (`bigint` price comes back from pg as text). */
export function toProduct(row: ProductRow): Product {
  return {
    id: row.id,
    name: row.name,
    category: row.category,
    description: row.description,
    priceCents: Number(row.price_cents),
    stock: row.stock,
    version: row.version,
    deleted: row.deleted,
  }
}

/** The JSON Schema of a {@link Product} in responses. */
export const PRODUCT_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    category: { type: 'string' },
    description: { type: 'string' },
    priceCents: { type: 'integer' },
    stock: { type: 'integer' },
    version: { type: 'integer' },
    deleted: { type: 'boolean' },
  },
} as const
