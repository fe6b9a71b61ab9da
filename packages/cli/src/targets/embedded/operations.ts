import type { Invocation, OperationOutcome } from '../../core/target.js'
import type { SeededRandom } from '../../core/random.js'
import { productId } from './catalog.js'
import type { EmbeddedSystem } from './system.js'

/** Categories `list-category` asks for (the catalog's). */
const CATEGORIES = ['books', 'games', 'tools', 'garden', 'music'] as const

/** How many products one `read-products` asks for. */
const BATCH = 3

/** Picks an operation's entity and input from the run's seeded stream (synchronous). */
export function prepareOperation(op: string, random: SeededRandom, products: number): Invocation {
  const product = (): string => productId(random.int(products))
  switch (op) {
    case 'read-product':
    case 'delete-product':
      return { key: product() }
    case 'write-product':
      return { key: product(), value: { price: 1 + random.int(1000) } }
    case 'read-products':
      return { value: { ids: Array.from({ length: BATCH }, product) } }
    case 'list-category':
      return { value: { category: CATEGORIES[random.int(CATEGORIES.length)] } }
    case 'search':
      return { value: { term: `product ${random.int(products)}` } }
    case 'place-order':
      return { value: { productId: product(), qty: 1, customer: `c${random.int(1000)}` } }
    case 'get-order':
      return { value: { pick: random.int(1_000_000) } }
    default:
      return {}
  }
}

/** Performs one operation on the in-memory system; `fail` only when it certainly did nothing. */
export async function performOperation(
  system: EmbeddedSystem,
  op: string,
  invocation: Invocation,
): Promise<OperationOutcome> {
  const input = (invocation.value ?? {}) as Record<string, unknown>
  switch (op) {
    case 'read-product':
      return readProduct(system, invocation.key ?? productId(0))
    case 'read-products':
      return readProducts(system, input.ids as string[])
    case 'write-product':
    case 'delete-product':
      return writeProduct(system, op, invocation.key ?? productId(0), input)
    case 'list-category':
      return listCategory(system, String(input.category))
    case 'search':
      if (!system.search.up.on) return fail(503, 'the search service is down')
      return ok({ hits: system.search.query(String(input.term)) })
    case 'place-order':
      return placeOrder(system, input)
    case 'get-order':
      return getOrder(system, Number(input.pick))
    default:
      return fail(400, `The embedded target has no operation '${op}'.`)
  }
}

async function readProduct(system: EmbeddedSystem, key: string): Promise<OperationOutcome> {
  const instance = system.tier.pick()
  if (instance === undefined) return fail(503, 'no catalog-query instance is up')
  try {
    const read = await system.tier.read(instance, key)
    return { type: 'ok', key, status: 200, value: read }
  } catch (error) {
    // A read changes nothing, so a failed one certainly did not take effect.
    return fail(503, (error as Error).message, key)
  }
}

async function readProducts(system: EmbeddedSystem, ids: string[]): Promise<OperationOutcome> {
  const instance = system.tier.pick()
  if (instance === undefined) return fail(503, 'no catalog-query instance is up')
  try {
    const reads = await Promise.all(ids.map((id) => system.tier.read(instance, id)))
    const versions = Object.fromEntries(ids.map((id, index) => [id, reads[index]?.version ?? null]))
    return ok({ versions, instance: instance.name })
  } catch (error) {
    return fail(503, (error as Error).message)
  }
}

function writeProduct(
  system: EmbeddedSystem,
  op: string,
  key: string,
  input: Record<string, unknown>,
): OperationOutcome {
  if (!system.catalog.databaseUp.on) return fail(503, 'the catalog database is down', key)
  const change =
    op === 'delete-product'
      ? { deleted: true }
      : { ...(typeof input.price === 'number' ? { price: input.price } : {}) }
  const written = system.catalog.write(key, change)
  return { type: 'ok', key, status: 200, value: written }
}

function listCategory(system: EmbeddedSystem, category: string): OperationOutcome {
  if (!system.catalog.databaseUp.on) return fail(503, 'the catalog database is down')
  return ok({ count: system.catalog.category(category).length })
}

function placeOrder(system: EmbeddedSystem, input: Record<string, unknown>): OperationOutcome {
  const placed = system.orders.place({
    productId: String(input.productId),
    qty: typeof input.qty === 'number' ? input.qty : 1,
  })
  if (placed === undefined) return fail(503, 'the orders service is down')
  return { type: 'ok', key: placed.orderId, status: 201, value: placed }
}

function getOrder(system: EmbeddedSystem, pick: number): OperationOutcome {
  const orderId = system.orders.pickOrder(pick)
  if (orderId === undefined) return fail(404, 'no order placed yet')
  if (!system.orders.orchestratorUp.on) return fail(503, 'the orders service is down', orderId)
  return { type: 'ok', key: orderId, status: 200, value: { status: system.orders.status(orderId) } }
}

function ok(value: unknown): OperationOutcome {
  return { type: 'ok', status: 200, value }
}

function fail(status: number, error: string, key?: string): OperationOutcome {
  return { type: 'fail', status, error, ...(key === undefined ? {} : { key }) }
}
