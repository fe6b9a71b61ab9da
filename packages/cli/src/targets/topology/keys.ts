import type { SeededRandom } from '../../core/random.js'

/** Share of picks that go to the hot set (a skew like real catalog traffic, so caches matter). */
const HOT_SHARE = 0.8
/** The hot set's size as a share of the products, at least one. */
const HOT_FRACTION = 0.1

/**
 * The entities the operations act on: the seeded products (a hot few take most picks), the
 * categories, the read-your-writes tokens the client holds per product, and the orders it placed.
 * Picks draw only from the `random` they are given, so one seed gives one sequence of keys.
 */
export class KeySpace {
  readonly #products: readonly string[]
  readonly #categories: readonly string[]
  readonly #tokens = new Map<string, string>()
  readonly #orders: { readonly id: string; readonly customer: string }[] = []

  constructor(products: readonly string[], categories: readonly string[]) {
    this.#products = products
    this.#categories = categories
  }

  /** How many products there are to pick from. */
  get size(): number {
    return this.#products.length
  }

  /** A product id, skewed toward the hot set; `undefined` when nothing was seeded. */
  product(random: SeededRandom): string | undefined {
    const count = this.#products.length
    if (count === 0) return undefined
    const hot = Math.max(1, Math.floor(count * HOT_FRACTION))
    const roll = random.next()
    const index = roll < HOT_SHARE ? random.int(hot) : random.int(count)
    return this.#products[index]
  }

  /** `count` distinct-ish product ids for a batch read. */
  products(random: SeededRandom, count: number): string[] {
    const ids = new Set<string>()
    for (let pick = 0; pick < count; pick++) {
      const id = this.product(random)
      if (id !== undefined) ids.add(id)
    }
    return [...ids]
  }

  category(random: SeededRandom): string {
    return this.#categories[random.int(this.#categories.length)] ?? 'books'
  }

  /** The token of the newest write this client saw acknowledged for `product`. */
  token(product: string): string | undefined {
    return this.#tokens.get(product)
  }

  holdToken(product: string, token: string): void {
    this.#tokens.set(product, token)
  }

  /**
   * An order this client placed and the customer who placed it (only they may read it), for
   * `get-order`; `undefined` before the first.
   */
  order(random: SeededRandom): { id: string; customer: string } | undefined {
    return this.#orders.length === 0 ? undefined : this.#orders[random.int(this.#orders.length)]
  }

  rememberOrder(orderId: string, customer: string): void {
    // A bounded sample is enough for reads of orders; memory stays flat in long runs.
    if (this.#orders.length < 10_000) this.#orders.push({ id: orderId, customer })
  }
}
