import {
  STATUS_CODES,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import { pipeline } from 'node:stream/promises'
import type { Dispatcher } from 'undici'

/** Headers that describe one hop's connection and must not be forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
])

/** nginx's rule: every method but these may be sent to another backend after a failure. */
const NON_IDEMPOTENT = new Set(['POST', 'PATCH', 'LOCK'])

/** Whether a request with `method` may be retried after it may have reached a backend. */
export function isIdempotent(method: string): boolean {
  return !NON_IDEMPOTENT.has(method.toUpperCase())
}

/** Codes of errors raised before the request could reach the backend: safe to retry any method. */
const NOT_SENT = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENOTFOUND'])

/** Whether `error` means the request never reached the backend. */
export function neverSent(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && NOT_SENT.has(code)
}

/** The request's headers for the backend, with the forwarding headers nginx would set. */
export function upstreamHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value
  const from = req.socket.remoteAddress ?? ''
  const prior = req.headers['x-forwarded-for']
  headers['x-forwarded-for'] = prior === undefined ? from : `${String(prior)}, ${from}`
  headers['x-forwarded-host'] = req.headers.host ?? ''
  return headers
}

/** The backend's response headers for the client, without its hop-by-hop ones. */
function downstreamHeaders(headers: IncomingHttpHeaders | Record<string, unknown>) {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name) && name !== 'content-length')
      out[name] = value as string | string[]
  const length = headers['content-length']
  if (length !== undefined) out['content-length'] = length as string
  return out
}

/** Sends the backend's response to the client as it arrives. */
export async function relay(response: Dispatcher.ResponseData, res: ServerResponse) {
  res.writeHead(response.statusCode, downstreamHeaders(response.headers))
  await pipeline(response.body, res)
}

/** Reads a request body up to `limit` bytes; undefined when it is larger. */
export async function readBody(req: IncomingMessage, limit: number) {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) return undefined
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/** Answers the client with a JSON error of the balancer's own. */
export function answer(res: ServerResponse, statusCode: number, code: string, message: string) {
  if (res.headersSent) return void res.destroy()
  const error = STATUS_CODES[statusCode] ?? 'Error'
  const body = JSON.stringify({ statusCode, error, code, message })
  const length = Buffer.byteLength(body)
  res.writeHead(statusCode, { 'content-type': 'application/json', 'content-length': length })
  res.end(body)
}
