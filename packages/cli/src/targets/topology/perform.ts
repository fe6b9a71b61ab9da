import type { Role } from '@faultline/topology'
import { describeError } from '../../core/errors.js'
import type { HttpClient, HttpResponse } from '../../core/load/http-client.js'
import type { Invocation, OperationOutcome } from '../../core/target.js'
import type { KeySpace } from './keys.js'
import { LOAD_SUBJECTS, type CallerTokens } from './tokens.js'

/** The header the catalog's read-your-writes token travels in. */
export const TOKEN_HEADER = 'x-consistency-token'

/** What an operation needs to make its request. */
export interface PerformDeps {
  readonly http: HttpClient
  readonly keys: KeySpace
  /** The bearer token each request carries. */
  readonly tokens: CallerTokens
  /** Base URL per service; `catalog-query-lb` is the catalog's read entry point. */
  endpoints(): Readonly<Record<string, string>>
}

type Response = HttpResponse
/** Makes the operation's request(s), each with `authorization` (the caller's bearer token). */
type Perform = (
  deps: PerformDeps,
  invocation: Invocation,
  signal: AbortSignal,
  authorization: string,
) => Promise<OperationOutcome>

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined
}

function json(response: Response): unknown {
  try {
    return response.json()
  } catch {
    return undefined
  }
}

/** A refused request: certainly no effect (4xx), or unknown for a write that met a 5xx. */
function notOk(response: Response, writes: boolean): OperationOutcome {
  const type = writes && response.status >= 500 ? 'info' : 'fail'
  return { type, status: response.status, error: response.body.slice(0, 200) }
}

function url(deps: PerformDeps, service: string, path: string): string {
  const base = deps.endpoints()[service]
  if (base === undefined) throw new Error(`the topology has no ${service} endpoint`)
  return `${base}${path}`
}

const readProduct: Perform = async (deps, invocation, signal, authorization) => {
  const token = field(invocation.value, 'token')
  const headers = { authorization, ...(typeof token === 'string' ? { [TOKEN_HEADER]: token } : {}) }
  const target = url(deps, 'catalog-query-lb', `/products/${invocation.key ?? ''}`)
  const response = await deps.http.request(target, { signal, headers })
  if (response.status === 404) return { type: 'ok', status: 404, value: { version: null } }
  if (response.status !== 200) return notOk(response, false)
  return { type: 'ok', status: 200, value: { version: field(json(response), 'version') } }
}

const readProducts: Perform = async (deps, invocation, signal, authorization) => {
  const ids = (field(invocation.value, 'ids') as string[] | undefined) ?? []
  const target = url(deps, 'catalog-query-lb', `/products?ids=${ids.join(',')}`)
  const response = await deps.http.request(target, { signal, headers: { authorization } })
  if (response.status !== 200) return notOk(response, false)
  const body = json(response)
  const versions: Record<string, number | null> = {}
  for (const id of (field(body, 'missing') as string[] | undefined) ?? []) versions[id] = null
  for (const item of (field(body, 'items') as unknown[] | undefined) ?? [])
    versions[String(field(item, 'id'))] = field(item, 'version') as number
  return { type: 'ok', status: 200, value: { versions } }
}

const listCategory: Perform = async (deps, invocation, signal, authorization) => {
  const category = String(field(invocation.value, 'category'))
  const target = url(deps, 'catalog-query-lb', `/products?category=${category}&limit=20`)
  const response = await deps.http.request(target, { signal, headers: { authorization } })
  if (response.status !== 200) return notOk(response, false)
  const items = field(json(response), 'items')
  return { type: 'ok', status: 200, value: { count: Array.isArray(items) ? items.length : 0 } }
}

async function write(
  deps: PerformDeps,
  invocation: Invocation,
  signal: AbortSignal,
  request: { method: string; path: string; body?: unknown; authorization: string },
): Promise<OperationOutcome> {
  const key = invocation.key
  if (key === undefined) return { type: 'fail', error: 'no product to write' }
  const response = await deps.http.request(url(deps, 'catalog-admin', request.path), {
    method: request.method,
    signal,
    headers: { authorization: request.authorization },
    ...(request.body === undefined ? {} : { body: request.body }),
  })
  if (response.status !== 200 && response.status !== 201) return notOk(response, true)
  const version = field(json(response), 'version')
  const token = response.headers[TOKEN_HEADER]
  if (typeof token === 'string') deps.keys.holdToken(key, token)
  return { type: 'ok', status: response.status, value: { version, token } }
}

const writeProduct: Perform = (deps, invocation, signal, authorization) =>
  write(deps, invocation, signal, {
    method: 'PATCH',
    path: `/products/${invocation.key ?? ''}/price`,
    body: { priceCents: field(invocation.value, 'price') },
    authorization,
  })

const deleteProduct: Perform = (deps, invocation, signal, authorization) =>
  write(deps, invocation, signal, {
    method: 'DELETE',
    path: `/products/${invocation.key ?? ''}`,
    authorization,
  })

const placeOrder: Perform = async (deps, invocation, signal, authorization) => {
  const value = invocation.value
  const response = await deps.http.request(url(deps, 'orders', '/orders'), {
    method: 'POST',
    signal,
    headers: { 'idempotency-key': String(field(value, 'idempotencyKey')), authorization },
    body: {
      customerId: field(value, 'customer'),
      productId: field(value, 'productId'),
      quantity: field(value, 'qty'),
      amountCents: 1_000,
    },
  })
  if (response.status !== 201 && response.status !== 200) return notOk(response, true)
  const order = json(response)
  const orderId = String(field(order, 'id'))
  deps.keys.rememberOrder(orderId, String(field(value, 'customer')))
  return { type: 'ok', status: response.status, value: { orderId, status: field(order, 'status') } }
}

const getOrder: Perform = async (deps, invocation, signal, authorization) => {
  if (invocation.key === undefined) return { type: 'fail', error: 'no order placed yet' }
  const response = await deps.http.request(url(deps, 'orders', `/orders/${invocation.key}`), {
    signal,
    headers: { authorization },
  })
  if (response.status !== 200) return notOk(response, false)
  return { type: 'ok', status: 200, value: { status: field(json(response), 'status') } }
}

const search: Perform = async (deps, invocation, signal, authorization) => {
  const q = encodeURIComponent(String(field(invocation.value, 'q')))
  const response = await deps.http.request(url(deps, 'search', `/search?q=${q}`), {
    signal,
    headers: { authorization },
  })
  if (response.status !== 200) return notOk(response, false)
  const items = field(json(response), 'items')
  return { type: 'ok', status: 200, value: { count: Array.isArray(items) ? items.length : 0 } }
}

const PERFORM: Readonly<Record<string, Perform>> = {
  'read-product': readProduct,
  'read-products': readProducts,
  'list-category': listCategory,
  'write-product': writeProduct,
  'delete-product': deleteProduct,
  'place-order': placeOrder,
  'get-order': getOrder,
  search,
}

/**
 * Who an operation is performed as: catalog writes as the writer (`catalog:write`), orders as
 * the customer the invocation names (each reads back only their own orders), reads as a customer.
 */
export function callerOf(op: string, invocation: Invocation): { role: Role; sub: string } {
  if (op === 'write-product' || op === 'delete-product')
    return { role: 'catalog:write', sub: LOAD_SUBJECTS.writer }
  const customer = field(invocation.value, 'customer')
  if ((op === 'place-order' || op === 'get-order') && typeof customer === 'string')
    return { role: 'customer', sub: customer }
  return { role: 'customer', sub: LOAD_SUBJECTS.reader }
}

/**
 * Performs one operation with its caller's token. Never throws once the request may have gone
 * out: a transport error (timeout, reset, refused) is `info`, the outcome unknown; a token that
 * could not be minted is `fail` (nothing was sent).
 */
export async function performOperation(
  op: string,
  deps: PerformDeps,
  invocation: Invocation,
  signal: AbortSignal,
): Promise<OperationOutcome> {
  const perform = PERFORM[op]
  if (perform === undefined) return { type: 'fail', error: `the topology cannot perform ${op}` }
  let authorization: string
  try {
    const caller = callerOf(op, invocation)
    authorization = await deps.tokens.authorization(caller.role, caller.sub)
  } catch (error) {
    return { type: 'fail', error: `no token to send: ${describeError(error)}` }
  }
  try {
    return await perform(deps, invocation, signal, authorization)
  } catch (error) {
    return { type: 'info', error: describeError(error) }
  }
}
