import { readFileSync } from 'node:fs'
import { Pool, request } from 'undici'
import type { LbTlsOptions, ResolvedLbOptions } from '../options.js'
import type { Backend } from '../types.js'

/** One backend of the Node proxy: its connection pool and what the proxy knows of its health. */
export interface BackendState {
  readonly backend: Backend
  readonly pool: Pool
  /** False after a failed probe or a connection error, until a probe passes again. */
  healthy: boolean
  /** Passive ejection: not picked before this time (epoch ms). */
  ejectedUntil: number
  /** Recent failures, for `maxFails` within `failTimeoutMs`. */
  failures: number[]
  /** Requests it is serving through the proxy now. */
  inFlight: number
  /** Set when it left the rotation: finishes what it has, takes nothing new. */
  removed: boolean
}

function connectTls(tls: LbTlsOptions['upstream']) {
  if (tls === undefined) return {}
  return {
    ca: readFileSync(tls.caFile),
    ...(tls.certFile === undefined ? {} : { cert: readFileSync(tls.certFile) }),
    ...(tls.keyFile === undefined ? {} : { key: readFileSync(tls.keyFile) }),
    servername: tls.serverName ?? 'localhost',
  }
}

/** A fresh state for `backend`, healthy until told otherwise (it joins when it is ready). */
export function createBackendState(backend: Backend, o: ResolvedLbOptions): BackendState {
  const pool = new Pool(backend.url, {
    connections: o.keepaliveConnections * 4,
    connectTimeout: o.connectTimeoutMs,
    headersTimeout: o.readTimeoutMs,
    bodyTimeout: o.readTimeoutMs,
    connect: connectTls(o.tls?.upstream),
  })
  return {
    backend,
    pool,
    healthy: true,
    ejectedUntil: 0,
    failures: [],
    inFlight: 0,
    removed: false,
  }
}

/** Whether the proxy may send `state` a new request now. */
export function isAvailable(state: BackendState, now: number): boolean {
  return !state.removed && state.healthy && state.ejectedUntil <= now
}

/**
 * Records a connection failure: `maxFails` of them within `failTimeoutMs` eject the backend for
 * `failTimeoutMs` and mark it unhealthy until a probe passes (nginx's passive check, plus the
 * active probe that brings it back).
 */
export function recordFailure(state: BackendState, o: ResolvedLbOptions, now: number): void {
  state.failures = [...state.failures.filter((at) => now - at < o.failTimeoutMs), now]
  if (state.failures.length < o.maxFails) return
  state.ejectedUntil = now + o.failTimeoutMs
  state.healthy = false
}

/** The active check: GET `/readyz` on the backend's own pool; true on 200. */
export async function probe(state: BackendState, o: ResolvedLbOptions): Promise<boolean> {
  try {
    const response = await request(new URL('/readyz', state.backend.url), {
      dispatcher: state.pool,
      headersTimeout: o.healthTimeoutMs,
      bodyTimeout: o.healthTimeoutMs,
      signal: AbortSignal.timeout(o.healthTimeoutMs),
    })
    await response.body.dump()
    return response.statusCode === 200
  } catch {
    return false
  }
}
