import { createHash } from 'node:crypto'
import type { PoolClient } from 'pg'

/** A response as first sent: replays send exactly these bytes with this status. */
export interface StoredResponse {
  readonly statusCode: number
  readonly body: string
}

/** What claiming a key found: it is new (this request owns it), or its first request's record. */
export type KeyClaim =
  | { readonly fresh: true }
  | { readonly fresh: false; readonly requestHash: string; readonly response: StoredResponse }

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` are the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (typeof value !== 'object' || value === null) return JSON.stringify(value)
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  )
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
}

/**
 * The key as stored: per customer, so two customers may pick the same `Idempotency-Key` and
 * neither learns of the other's order. The space cannot occur in either part (a customer id has
 * no space, and a key is printable ASCII without one).
 */
export function scopedKey(customer: string, key: string): string {
  return `${customer} ${key}`
}

/** The hash a key's first request is remembered by (sha256 of its canonical JSON body). */
export function requestHash(body: unknown): string {
  return createHash('sha256').update(canonical(body)).digest('hex')
}

/**
 * Claims `key` in the caller's transaction. A concurrent request with the same key blocks on
 * the row until the first one commits (then it finds the stored response) or rolls back (then
 * it claims the key itself), so one key never creates two orders.
 */
export async function claimKey(client: PoolClient, key: string, hash: string): Promise<KeyClaim> {
  const inserted = await client.query(
    `INSERT INTO idempotency_keys (key, request_hash, status_code, response_body)
     VALUES ($1, $2, 0, '') ON CONFLICT (key) DO NOTHING`,
    [key, hash],
  )
  if (inserted.rowCount === 1) return { fresh: true }
  const { rows } = await client.query<{
    request_hash: string
    status_code: number
    response_body: string
  }>('SELECT request_hash, status_code, response_body FROM idempotency_keys WHERE key = $1', [key])
  const row = rows[0]!
  return {
    fresh: false,
    requestHash: row.request_hash,
    response: { statusCode: row.status_code, body: row.response_body },
  }
}

/** Records the response to the request that claimed `key`, in the same transaction. */
export async function storeResponse(
  client: PoolClient,
  key: string,
  response: StoredResponse,
): Promise<void> {
  await client.query(
    'UPDATE idempotency_keys SET status_code = $2, response_body = $3 WHERE key = $1',
    [key, response.statusCode, response.body],
  )
}
