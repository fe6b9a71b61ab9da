import { request } from 'undici'
import { TopologyError } from '../errors.js'
import type { ProductInput } from '../services/catalog-admin/product-writes.js'

/** What `startTopology` seeds. */
export interface SeedOptions {
  /** Products to create. @default 200 */
  readonly count?: number
  /** Categories the products are spread over, round robin. @default DEFAULT_CATEGORIES */
  readonly categories?: readonly string[]
  /** Units of stock each product starts with. @default 100 */
  readonly stock?: number
}

/** What was seeded, for tests and the CLI's load generators. */
export interface SeededCatalog {
  /** Product ids in creation order. */
  readonly productIds: readonly string[]
  readonly categories: readonly string[]
  /** The token of the last seed batch: a read with it sees every seeded product. */
  readonly token: string | undefined
}

/** The categories products are spread over by default. */
export const DEFAULT_CATEGORIES = ['books', 'games', 'garden', 'kitchen', 'music', 'tools'] as const

const BATCH = 500

/** mulberry32: a small seeded generator, so one seed gives one catalog. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let mixed = state
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1)
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61)
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296
  }
}

const WORDS = [
  'amber',
  'brisk',
  'cobalt',
  'dusty',
  'ember',
  'frost',
  'granite',
  'harbor',
  'ivory',
  'juniper',
]

/** The products a seed describes, deterministically. */
export function seedProducts(seed: number, options: SeedOptions = {}): ProductInput[] {
  const next = random(seed)
  const categories = options.categories ?? DEFAULT_CATEGORIES
  return Array.from({ length: options.count ?? 200 }, (_, index) => {
    const word = WORDS[Math.floor(next() * WORDS.length)] ?? 'plain'
    const category = categories[index % categories.length] ?? 'misc'
    return {
      name: `${word} ${category} ${index + 1}`,
      category,
      description: `seeded product ${index + 1} (${word})`,
      priceCents: 100 + Math.floor(next() * 99_900),
      stock: options.stock ?? 100,
    }
  })
}

/**
 * Seeds through catalog-admin's bulk route (`POST /ops/seed`, with a `catalog:write` token's
 * `authorization`): each batch commits its rows and their `catalog.product.changed` events in
 * one transaction, so every reader learns of them through the change stream like any other write.
 */
export async function seedCatalog(
  adminUrl: string,
  seed: number,
  options: SeedOptions,
  authorization: string,
): Promise<SeededCatalog> {
  const products = seedProducts(seed, options)
  const productIds: string[] = []
  let token: string | undefined
  for (let start = 0; start < products.length; start += BATCH) {
    const body = JSON.stringify({ products: products.slice(start, start + BATCH) })
    const response = await request(`${adminUrl}/ops/seed`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', authorization },
    })
    const text = await response.body.text()
    if (response.statusCode !== 201)
      throw new TopologyError(
        'E_TOPOLOGY_STARTUP_FAILED',
        `seeding the catalog failed: ${response.statusCode} ${text}`,
        {
          context: { service: 'catalog-admin', status: response.statusCode },
        },
      )
    productIds.push(...(JSON.parse(text) as { ids: string[] }).ids)
    const header = response.headers['x-consistency-token']
    token = typeof header === 'string' ? header : token
  }
  return { productIds, categories: options.categories ?? DEFAULT_CATEGORIES, token }
}
