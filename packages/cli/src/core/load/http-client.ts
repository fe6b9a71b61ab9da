import { Agent, type Dispatcher } from 'undici'
import type { ScenarioHttp } from '@faultline/scenarios'

/** Options of {@link createHttpClient}. */
export interface HttpClientOptions {
  /** Keep-alive connections per origin. @default 128 */
  readonly connections?: number
  /** Accept self-signed certificates (the topology's own CA in `--tls` runs). @default false */
  readonly insecure?: boolean
}

/** An HTTP client over undici keep-alive pools (one pool per origin), for targets and user ops. */
export interface HttpClient extends ScenarioHttp {
  readonly dispatcher: Dispatcher
  request(
    url: string,
    init?: {
      readonly method?: string
      readonly headers?: Readonly<Record<string, string>>
      readonly body?: unknown
      readonly signal?: AbortSignal
    },
  ): Promise<HttpResponse>
  close(): Promise<void>
}

/** A response as {@link HttpClient} returns it. */
export interface HttpResponse {
  readonly status: number
  readonly body: string
  /** Response headers, lower-case names (e.g. the catalog's `x-consistency-token`). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  json(): unknown
}

/** Makes an {@link HttpClient}; close it at the end of the run. */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const dispatcher = new Agent({
    connections: options.connections ?? 128,
    keepAliveTimeout: 30_000,
    pipelining: 1,
    ...(options.insecure === true ? { connect: { rejectUnauthorized: false } } : {}),
  })
  return {
    dispatcher,
    async request(url, init = {}) {
      const body =
        init.body === undefined || typeof init.body === 'string'
          ? init.body
          : JSON.stringify(init.body)
      const headers = {
        ...(typeof init.body === 'object' ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      }
      const response = await dispatcher.request({
        origin: new URL(url).origin,
        path: pathOf(url),
        method: init.method ?? 'GET',
        headers,
        ...(body === undefined ? {} : { body }),
        ...(init.signal === undefined ? {} : { signal: init.signal }),
      })
      const text = await response.body.text()
      return {
        status: response.statusCode,
        body: text,
        headers: response.headers,
        json: () => JSON.parse(text) as unknown,
      }
    },
    close: () => dispatcher.close(),
  }
}

function pathOf(url: string): string {
  const parsed = new URL(url)
  return `${parsed.pathname}${parsed.search}`
}
