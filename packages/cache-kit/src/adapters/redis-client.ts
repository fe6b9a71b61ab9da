import { createHash } from 'node:crypto'
import { Redis, type RedisOptions } from 'ioredis'
import { CacheKitError } from '../errors.js'

/** How a Redis adapter gets its connection: a client the caller owns, or options to open one. */
export interface RedisConnectionOptions {
  /** A client the caller owns; the adapter never closes it. */
  client?: Redis
  /** A `redis://` URL to connect to; the adapter closes the client it opened. */
  url?: string
  /** Extra ioredis options when the adapter opens the connection. */
  redisOptions?: RedisOptions
}

/** Opens (or adopts) a client; `owned` says whether close() should quit it. */
export function connect(
  options: RedisConnectionOptions,
  name: string,
): { client: Redis; owned: boolean } {
  if (options.client !== undefined) return { client: options.client, owned: false }
  if (options.url === undefined) {
    throw new CacheKitError('E_CACHE_INVALID_OPTION', `${name} needs a client or a url.`, {
      context: { option: 'url' },
    })
  }
  const client = new Redis(options.url, {
    maxRetriesPerRequest: 2,
    connectionName: name,
    ...options.redisOptions,
  })
  // Errors reach callers through rejected commands; an unhandled 'error' event would crash the process.
  client.on('error', () => {})
  return { client, owned: true }
}

/** Translates a driver error into a retryable CacheKitError at the adapter boundary. */
export function storeError(operation: string, cause: unknown): CacheKitError {
  const why =
    cause instanceof Error ? cause.message.replace(/\/\/[^@/]*@/g, '//***@') : String(cause)
  return new CacheKitError('E_CACHE_STORE_UNAVAILABLE', `Redis ${operation} failed: ${why}.`, {
    retryable: true,
    cause,
    context: { operation },
  })
}

/** A Lua script run by SHA, loaded on first NOSCRIPT. */
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
