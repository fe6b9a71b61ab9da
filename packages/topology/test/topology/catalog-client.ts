import { request } from 'undici'
import { client } from '../helpers.js'

/** A product as the catalog routes return it (the fields the tests look at). */
export interface ProductBody {
  readonly id: string
  readonly version: number
  readonly priceCents: number
}

/** One JSON request with headers; returns status, headers and parsed body. */
export async function send(
  base: string,
  path: string,
  init: {
    method?: 'GET' | 'POST' | 'PUT' | 'PATCH'
    body?: unknown
    headers?: Record<string, string>
  } = {},
): Promise<{
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Record<string, unknown>
}> {
  const response = await request(new URL(path, base), {
    dispatcher: client,
    method: init.method ?? 'GET',
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  })
  const text = await response.body.text()
  return {
    status: response.statusCode,
    headers: response.headers,
    body: JSON.parse(text) as Record<string, unknown>,
  }
}

/** `PATCH /products/:id/price` on catalog-admin; returns the new version and the token. */
export async function setPrice(
  adminUrl: string,
  id: string,
  priceCents: number,
  ifMatch?: number,
): Promise<{ status: number; version: number; token: string }> {
  const { status, headers, body } = await send(adminUrl, `/products/${id}/price`, {
    method: 'PATCH',
    body: { priceCents },
    headers: ifMatch === undefined ? {} : { 'if-match': `"${ifMatch}"` },
  })
  return { status, version: Number(body.version), token: String(headers['x-consistency-token']) }
}

/** `GET /products/:id`, with the token when given. */
export async function getProduct(
  base: string,
  id: string,
  token?: string,
): Promise<{ status: number; product: ProductBody }> {
  const { status, body } = await send(
    base,
    `/products/${id}`,
    token === undefined ? {} : { headers: { 'x-consistency-token': token } },
  )
  return { status, product: body as unknown as ProductBody }
}

/** `GET /ops/state` of one instance. */
export async function opsState<T>(base: string): Promise<T> {
  return (await send(base, '/ops/state')).body as T
}

/** catalog-query's `/ops/state`. */
export interface QueryState {
  readonly cache: { readonly l1Hits: number; readonly busState: string }
  readonly changesApplied: number
  readonly busMessagesDropped: number
}
