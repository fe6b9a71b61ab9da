import { request } from 'undici'
import type { TopologyHandle } from '../../src/index.js'
import { client } from '../helpers.js'

/** A product as the catalog routes return it (the fields the tests look at). */
export interface ProductBody {
  readonly id: string
  readonly version: number
  readonly priceCents: number
}

/** The `Authorization` values a test sends, one per kind of caller. */
export interface Bearers {
  /** A customer: catalog reads, search. */
  readonly reader: string
  /** `catalog:write`: catalog-admin's writes. */
  readonly writer: string
  /** `ops`: `/ops/*` routes. */
  readonly ops: string
}

/** Who a request is sent as; `anonymous` sends no token. */
export type Caller = keyof Bearers | 'anonymous'

/** One token per kind of caller, valid for an hour: longer than a test file runs. */
export async function bearersOf(topology: Pick<TopologyHandle, 'mintToken'>): Promise<Bearers> {
  const bearer = async (role: 'customer' | 'catalog:write' | 'ops', sub: string) =>
    `Bearer ${await topology.mintToken({ role, sub, ttlMs: 3_600_000 })}`
  return {
    reader: await bearer('customer', 'test-reader'),
    writer: await bearer('catalog:write', 'test-writer'),
    ops: await bearer('ops', 'test-ops'),
  }
}

/** What one exchange returned: status, headers and parsed body. */
export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Record<string, unknown>
}

/** The catalog's routes as a test calls them, each with the token of the caller it needs. */
export class CatalogClient {
  readonly bearers: Bearers

  constructor(bearers: Bearers) {
    this.bearers = bearers
  }

  /** `{ authorization }` of `caller`, for requests made elsewhere (streams). */
  headers(caller: Caller = 'reader'): Record<string, string> {
    return caller === 'anonymous' ? {} : { authorization: this.bearers[caller] }
  }

  /** One JSON request as `as` (a reader unless said otherwise). */
  async send(
    base: string,
    path: string,
    init: {
      method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
      body?: unknown
      headers?: Record<string, string>
      as?: Caller
    } = {},
  ): Promise<Answer> {
    const response = await request(new URL(path, base), {
      dispatcher: client,
      method: init.method ?? 'GET',
      headers: {
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...this.headers(init.as),
        ...init.headers,
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    })
    const text = await response.body.text()
    return {
      status: response.statusCode,
      headers: response.headers,
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    }
  }

  /** `PATCH /products/:id/price` on catalog-admin; returns the new version and the token. */
  async setPrice(
    adminUrl: string,
    id: string,
    priceCents: number,
    ifMatch?: number,
  ): Promise<{ status: number; version: number; token: string }> {
    const { status, headers, body } = await this.send(adminUrl, `/products/${id}/price`, {
      method: 'PATCH',
      body: { priceCents },
      headers: ifMatch === undefined ? {} : { 'if-match': `"${ifMatch}"` },
      as: 'writer',
    })
    return { status, version: Number(body.version), token: String(headers['x-consistency-token']) }
  }

  /** `GET /products/:id`, with the consistency token when given. */
  async getProduct(
    base: string,
    id: string,
    token?: string,
  ): Promise<{ status: number; product: ProductBody }> {
    const { status, body } = await this.send(
      base,
      `/products/${id}`,
      token === undefined ? {} : { headers: { 'x-consistency-token': token } },
    )
    return { status, product: body as unknown as ProductBody }
  }

  /** `GET /ops/state` of one instance. */
  async opsState<T>(base: string): Promise<T> {
    return (await this.send(base, '/ops/state', { as: 'ops' })).body as T
  }
}

/** catalog-query's `/ops/state`. */
export interface QueryState {
  readonly cache: { readonly l1Hits: number; readonly busState: string }
  readonly changesApplied: number
  readonly busMessagesDropped: number
}
