import { createHash } from 'node:crypto'
import { Redis, type RedisOptions } from 'ioredis'
import { CacheKitError } from '../errors.js'
import { checkPort, invalidOption } from '../validate.js'

/** How a Redis adapter gets its connection: a client the caller owns, or options to open one. */
export interface RedisConnectionOptions {
  /** A client the caller owns; the adapter never closes it. */
  client?: Redis | undefined
  /** A `redis://` or `rediss://` URL to connect to; the adapter closes the client it opened. */
  url?: string | undefined
  /** Extra ioredis options when the adapter opens the connection. */
  redisOptions?: RedisOptions | undefined
}

/** @internal A connection an adapter uses, and whether it opened (and so closes) it. */
export interface RedisConnection {
  readonly client: Redis
  readonly owned: boolean
  /** `host:port` (or the socket path), never credentials: for logs, errors and `health()`. */
  readonly endpoint: string
}

/** How long `close()` waits for Redis to answer QUIT before it drops the connection. */
const QUIT_WAIT_MS = 500

/** @internal Opens (or adopts) a client. */
export function connect(options: RedisConnectionOptions, name: string): RedisConnection {
  if (typeof options !== 'object' || options === null) {
    throw invalidOption('options', options, 'an object with a url or a client')
  }
  if (options.client !== undefined) {
    const client = checkPort<Redis>('client', options.client, 'an ioredis client', [
      'get',
      'duplicate',
    ])
    return { client, owned: false, endpoint: endpointOf(client) }
  }
  checkUrl(options.url)
  const client = new Redis(options.url, {
    maxRetriesPerRequest: 2,
    connectionName: name,
    ...options.redisOptions,
  })
  // Errors reach callers through rejected commands, and the cache reports an unreachable server
  // (logger, health(), metrics); an unhandled 'error' event would crash the process.
  client.on('error', () => undefined)
  return { client, owned: true, endpoint: endpointOf(client) }
}

function checkUrl(url: unknown): asserts url is string {
  const rule = 'a redis:// or rediss:// URL (or pass a client)'
  if (typeof url !== 'string') throw invalidOption('url', url, rule)
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw invalidOption('url', redactUrl(url), rule)
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw invalidOption('url', redactUrl(url), rule)
  }
}

/** @internal `host:port` or the socket path of a client, from its options: no credentials. */
export function endpointOf(client: Redis): string {
  const options = client.options as { host?: string; port?: number; path?: string } | undefined
  if (options?.path !== undefined && options.path !== '') return options.path
  return `${options?.host ?? 'localhost'}:${options?.port ?? 6379}`
}

/** @internal A URL with any password or user name replaced by `***`. */
export function redactUrl(text: string): string {
  return text.replace(/\/\/[^@/]*@/g, '//***@')
}

/**
 * @internal Closes a client the adapter opened, quickly: QUIT when connected (bounded, since a
 * paused server never answers it), then drop the socket. Its 'error' listener stays attached, so
 * nothing it emits afterwards is unhandled.
 */
export async function closeClient(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    let timer: NodeJS.Timeout | undefined
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, QUIT_WAIT_MS)
    })
    await Promise.race([client.quit().catch(() => undefined), waited])
    clearTimeout(timer)
  }
  client.disconnect()
}

/** @internal Translates a driver error into a retryable CacheKitError at the adapter boundary. */
export function storeError(operation: string, cause: unknown, endpoint?: string): CacheKitError {
  const why = cause instanceof Error ? redactUrl(cause.message) : String(cause)
  const where = endpoint === undefined ? '' : ` at ${endpoint}`
  return new CacheKitError(
    'E_CACHE_STORE_UNAVAILABLE',
    `Redis${where} ${operation} failed: ${why}.`,
    {
      retryable: true,
      cause,
      context: { operation, ...(endpoint !== undefined && { endpoint }) },
    },
  )
}

/** @internal A Lua script run by SHA, loaded on first NOSCRIPT. */
export class Script {
  readonly #source: string
  readonly #sha: string

  constructor(source: string) {
    this.#source = source
    this.#sha = createHash('sha1').update(source).digest('hex')
  }

  async run(
    client: Redis,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, keys.length, ...keys, ...args)
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
      return client.eval(this.#source, keys.length, ...keys, ...args)
    }
  }
}
