import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { TopologyError } from '../../errors.js'
import type { ResolvedLbOptions } from '../options.js'
import { waitUntil } from '../proc.js'
import { SerialQueue } from '../serial-queue.js'
import type { Backend, LoadBalancer } from '../types.js'
import {
  createBackendState,
  isAvailable,
  probe,
  recordFailure,
  type BackendState,
} from './backend-pool.js'
import { answer, isIdempotent, neverSent, readBody, relay, upstreamHeaders } from './forward.js'

const RETRY_STATUSES = new Set([502, 503, 504])

/**
 * A small reverse proxy for where nginx is absent: round robin over undici keep-alive pools,
 * active health checks (each backend's `/readyz`), passive ejection on connection errors, and
 * retries on the next backend for idempotent requests (and for any request that never reached
 * the backend), like the nginx provider's `proxy_next_upstream`.
 */
export class NodeBalancer implements LoadBalancer {
  readonly provider = 'node' as const
  private states: BackendState[] = []
  private cursor = 0
  private readonly queue = new SerialQueue()
  private readonly probing = new Set<BackendState>()
  private healthTimer: NodeJS.Timeout | undefined
  private inFlight = 0
  private address: AddressInfo | undefined

  private constructor(
    private readonly options: ResolvedLbOptions,
    private readonly server: Server,
  ) {}

  /** Starts listening and probing. */
  static async start(options: ResolvedLbOptions): Promise<NodeBalancer> {
    const tls = options.tls?.server
    const server =
      tls === undefined
        ? createServer()
        : (createHttpsServer({
            cert: readFileSync(tls.certFile),
            key: readFileSync(tls.keyFile),
          }) as unknown as Server)
    const balancer = new NodeBalancer(options, server)
    server.on(
      'request',
      (req: IncomingMessage, res: ServerResponse) => void balancer.handle(req, res),
    )
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port, options.host, () => resolve())
    })
    balancer.address = server.address() as AddressInfo
    balancer.states = options.backends.map((b) => createBackendState(b, options))
    balancer.healthTimer = setInterval(() => balancer.checkHealth(), options.healthIntervalMs)
    balancer.healthTimer.unref()
    return balancer
  }

  get url(): string {
    const scheme = this.options.tls?.server === undefined ? 'http' : 'https'
    return `${scheme}://${this.options.host}:${this.address?.port ?? 0}`
  }

  backends(): readonly Backend[] {
    return this.states.map((s) => s.backend)
  }

  /** Per backend: whether it is picked now, and the requests it serves. */
  health(): readonly { id: string; available: boolean; inFlight: number }[] {
    const now = Date.now()
    return this.states.map((s) => ({
      id: s.backend.id,
      available: isAvailable(s, now),
      inFlight: s.inFlight,
    }))
  }

  private pick(tried: ReadonlySet<BackendState>): BackendState | undefined {
    const now = Date.now()
    const candidates = this.states.filter((s) => !tried.has(s) && !s.removed)
    const available = candidates.filter((s) => isAvailable(s, now))
    // When every backend looks down, try one anyway rather than refuse outright, as nginx does.
    const pool = available.length > 0 ? available : candidates
    if (pool.length === 0) return undefined
    return pool[this.cursor++ % pool.length]
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++
    try {
      const body = await readBody(req, this.options.bodyLimitBytes)
      if (body === undefined) return answer(res, 413, 'E_BODY_TOO_LARGE', 'request body too large')
      await this.forward(req, res, body)
    } catch {
      answer(res, 400, 'E_BAD_REQUEST', 'the request could not be read')
    } finally {
      this.inFlight--
    }
  }

  private async forward(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const method = req.method ?? 'GET'
    const tried = new Set<BackendState>()
    for (let attempt = 1; attempt <= this.options.tries; attempt++) {
      const state = this.pick(tried)
      if (state === undefined) break
      tried.add(state)
      const outcome = await this.attempt(state, req, res, body, attempt < this.options.tries)
      if (outcome === 'done') return
      if (outcome === 'failed-sent' && !isIdempotent(method))
        return answer(res, 502, 'E_BAD_GATEWAY', 'the instance failed while handling the request')
    }
    if (tried.size === 0) return answer(res, 503, 'E_NO_BACKEND', 'no instance is in rotation')
    answer(res, 502, 'E_BAD_GATEWAY', `no instance answered after ${tried.size} tries`)
  }

  private async attempt(
    state: BackendState,
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    mayRetry: boolean,
  ): Promise<'done' | 'retry' | 'failed-sent'> {
    const method = req.method ?? 'GET'
    state.inFlight++
    try {
      const response = await state.pool.request({
        path: req.url ?? '/',
        method: method,
        headers: upstreamHeaders(req),
        body: body.length === 0 ? null : body,
      })
      if (mayRetry && RETRY_STATUSES.has(response.statusCode) && isIdempotent(method)) {
        await response.body.dump()
        return 'retry'
      }
      await relay(response, res)
      return 'done'
    } catch (error) {
      if (res.headersSent) return (res.destroy(), 'done')
      recordFailure(state, this.options, Date.now())
      return neverSent(error) ? 'retry' : 'failed-sent'
    } finally {
      state.inFlight--
    }
  }

  private checkHealth(): void {
    for (const state of this.states) {
      if (state.removed || this.probing.has(state)) continue
      this.probing.add(state)
      void probe(state, this.options).then((ok) => {
        this.probing.delete(state)
        state.healthy = ok
        if (ok) state.ejectedUntil = 0
      })
    }
  }

  setBackends(backends: readonly Backend[]): Promise<void> {
    return this.queue.run(async () => {
      const key = (b: Backend) => `${b.id} ${b.url}`
      const wanted = new Set(backends.map(key))
      const kept = new Map(
        this.states.filter((s) => wanted.has(key(s.backend))).map((s) => [key(s.backend), s]),
      )
      const leaving = this.states.filter((s) => !wanted.has(key(s.backend)))
      for (const state of leaving) state.removed = true
      this.states = backends.map((b) => kept.get(key(b)) ?? createBackendState(b, this.options))
      await Promise.all(leaving.map((s) => this.retire(s)))
    })
  }

  /** Waits (bounded) until a removed backend has finished its requests, then closes its pool. */
  private async retire(state: BackendState): Promise<void> {
    const drained = await waitUntil(() => state.inFlight === 0, this.options.drainTimeoutMs)
    await (drained ? state.pool.close() : state.pool.destroy())
  }

  async stop(): Promise<void> {
    await this.queue.run(async () => {
      clearInterval(this.healthTimer)
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
      this.server.closeIdleConnections()
      const drained = await waitUntil(() => this.inFlight === 0, this.options.drainTimeoutMs)
      if (!drained) this.server.closeAllConnections()
      await closed
      await Promise.all(this.states.map((s) => s.pool.destroy()))
    })
  }
}

/** Fails with a clear error when nginx was asked for but is missing. */
export function nginxMissing(): TopologyError {
  return new TopologyError(
    'E_TOPOLOGY_LB_FAILED',
    "provider 'nginx' was asked for, but no nginx executable is on PATH or in /usr/sbin. Install the Debian package nginx (scripts/setup.sh does), or use provider 'auto' or 'node'",
    { context: { provider: 'nginx' } },
  )
}
