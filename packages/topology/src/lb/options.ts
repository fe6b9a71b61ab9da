import type { Logger } from '@faultline/common'
import { TopologyError } from '../errors.js'
import type { Backend } from './types.js'

/** Which balancer to run; `'auto'` takes nginx when it is installed, else the Node proxy. */
export type LbProviderChoice = 'auto' | 'nginx' | 'node'

/** TLS on the balancer, as files (nginx reads files). */
export interface LbTlsOptions {
  /** Serve HTTPS to clients with this certificate. */
  readonly server?: { readonly certFile: string; readonly keyFile: string }
  /** Talk HTTPS to `https://` backends: trust `caFile`, and present a client certificate (mTLS). */
  readonly upstream?: {
    readonly caFile: string
    readonly certFile?: string
    readonly keyFile?: string
    /** The name the backends' certificates are checked against. @default 'localhost' */
    readonly serverName?: string
  }
}

/** Options of `createLoadBalancer`. */
export interface LoadBalancerOptions {
  /** @default 'auto' */
  readonly provider?: LbProviderChoice
  /** The run's dir; the balancer keeps its config, pid file and logs in `<runDir>/lb-<provider>`. */
  readonly runDir: string
  /** @default '127.0.0.1' */
  readonly host?: string
  /** 0 picks a free port. @default 0 */
  readonly port?: number
  /** The backends at start; more join through `setBackends`. @default [] */
  readonly backends?: readonly Backend[]
  /** Failures within `failTimeoutMs` that take a backend out for `failTimeoutMs`. @default 1 */
  readonly maxFails?: number
  /** @default 2000 */
  readonly failTimeoutMs?: number
  /** Backends one request may try, counting the first. @default 3 */
  readonly tries?: number
  /** @default 1000 */
  readonly connectTimeoutMs?: number
  /** Longest wait for a backend's response headers or next body chunk. @default 30000 */
  readonly readTimeoutMs?: number
  /** Larger request bodies get 413. @default 1048576 */
  readonly bodyLimitBytes?: number
  /** Idle keep-alive connections kept to each backend. @default 32 */
  readonly keepaliveConnections?: number
  /**
   * Keep client connections open between requests. A reload makes nginx's old workers close
   * their idle client connections at once, and a request the client sends on one at that
   * instant fails ("other side closed"; RFC 9112 lets a client retry it, few do). Every change
   * of instances reloads nginx, so the nginx provider closes each client connection after its
   * response unless this is true; the Node proxy never reloads and keeps them.
   * @default false for nginx, true for node
   */
  readonly clientKeepalive?: boolean
  /** Node proxy: how often each backend's `/readyz` is polled. @default 250 */
  readonly healthIntervalMs?: number
  /** Node proxy: a health probe without an answer by then fails. @default 1000 */
  readonly healthTimeoutMs?: number
  /** After a change, old nginx workers finish in-flight requests for at most this. @default 30000 */
  readonly drainTimeoutMs?: number
  readonly tls?: LbTlsOptions
  /** Told which provider runs and why. @default silentLogger */
  readonly logger?: Logger
}

/** {@link LoadBalancerOptions} with the defaults filled in. */
export type ResolvedLbOptions = Required<
  Omit<LoadBalancerOptions, 'tls' | 'clientKeepalive' | 'logger'>
> & {
  readonly tls?: LbTlsOptions
  readonly clientKeepalive?: boolean
}

const DEFAULTS = {
  provider: 'auto',
  host: '127.0.0.1',
  port: 0,
  backends: [],
  maxFails: 1,
  failTimeoutMs: 2_000,
  tries: 3,
  connectTimeoutMs: 1_000,
  readTimeoutMs: 30_000,
  bodyLimitBytes: 1_048_576,
  keepaliveConnections: 32,
  healthIntervalMs: 250,
  healthTimeoutMs: 1_000,
  drainTimeoutMs: 30_000,
} as const

const POSITIVE = [
  'maxFails',
  'failTimeoutMs',
  'tries',
  'connectTimeoutMs',
  'readTimeoutMs',
  'bodyLimitBytes',
  'keepaliveConnections',
  'healthIntervalMs',
  'healthTimeoutMs',
  'drainTimeoutMs',
] as const

/** Fills in the defaults; a non-positive count or duration fails naming the option. */
export function resolveLbOptions(options: LoadBalancerOptions): ResolvedLbOptions {
  const resolved = { ...DEFAULTS, ...options }
  for (const key of POSITIVE)
    if (!Number.isInteger(resolved[key]) || resolved[key] <= 0)
      throw new TopologyError(
        'E_TOPOLOGY_INVALID_OPTION',
        `load balancer option ${key} must be a positive integer, got ${String(resolved[key])}`,
        { context: { option: key } },
      )
  if (!['auto', 'nginx', 'node'].includes(resolved.provider))
    throw new TopologyError(
      'E_TOPOLOGY_INVALID_OPTION',
      `load balancer provider must be 'auto', 'nginx' or 'node', got ${String(resolved.provider)}`,
      { context: { option: 'provider' } },
    )
  return resolved
}
