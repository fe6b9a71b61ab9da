import type { Invocation } from '../../core/target.js'
import type { SeededRandom } from '../../core/random.js'
import type { KeySpace } from './keys.js'

/** Share of product reads that present the token of this client's last write of the product. */
const TOKEN_READ_SHARE = 0.3
/** Products per `read-products` batch. */
const BATCH = 5
const SEARCH_WORDS = ['amber', 'brisk', 'cobalt', 'dusty', 'ember', 'frost', 'granite', 'harbor']

type Prepare = (keys: KeySpace, random: SeededRandom) => Invocation

function readProduct(keys: KeySpace, random: SeededRandom): Invocation {
  const key = keys.product(random)
  // Drawn every time, so whether a token is used never shifts the rest of the stream.
  const withToken = random.next() < TOKEN_READ_SHARE
  const token = key === undefined || !withToken ? undefined : keys.token(key)
  return { ...(key === undefined ? {} : { key }), value: token === undefined ? {} : { token } }
}

/** Customers orders are placed as: each is a token subject, and reads back only its own orders. */
export const CUSTOMER_POOL = 1_000

function placeOrder(keys: KeySpace, random: SeededRandom): Invocation {
  const productId = keys.product(random) ?? 'none'
  const customer = `customer-${random.int(CUSTOMER_POOL)}`
  const idempotencyKey = `order-${random.int(2 ** 30).toString(36)}-${random.int(2 ** 30).toString(36)}`
  return { key: productId, value: { productId, qty: 1, customer, idempotencyKey } }
}

const PREPARE: Readonly<Record<string, Prepare>> = {
  'read-product': readProduct,
  'read-products': (keys, random) => ({ value: { ids: keys.products(random, BATCH) } }),
  'list-category': (keys, random) => ({ value: { category: keys.category(random) } }),
  'write-product': (keys, random) => ({
    ...withKey(keys.product(random)),
    value: { price: 100 + random.int(99_900) },
  }),
  'delete-product': (keys, random) => withKey(keys.product(random)),
  'place-order': placeOrder,
  'get-order': (keys, random) => {
    const order = keys.order(random)
    return order === undefined ? {} : { key: order.id, value: { customer: order.customer } }
  },
  search: (_keys, random) => ({ value: { q: SEARCH_WORDS[random.int(SEARCH_WORDS.length)] } }),
}

function withKey(key: string | undefined): Invocation {
  return key === undefined ? {} : { key }
}

/** The operations {@link prepareInvocation} knows. */
export const TOPOLOGY_OPERATIONS = Object.keys(PREPARE)

/** Picks what an operation acts on, from the seeded stream only (see `Target.prepare`). */
export function prepareInvocation(op: string, keys: KeySpace, random: SeededRandom): Invocation {
  const prepare = PREPARE[op]
  return prepare === undefined ? {} : prepare(keys, random)
}
