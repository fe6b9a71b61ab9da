import { setTimeout as sleep } from 'node:timers/promises'
import { InfraError } from '../errors.js'

/** One series of an instant query. */
export interface PromSample {
  readonly metric: Readonly<Record<string, string>>
  /** `[unix seconds, "value"]`. */
  readonly value: readonly [number, string]
}

/** A target as `/api/v1/targets` reports it. */
export interface PromTarget {
  readonly scrapeUrl: string
  readonly health: 'up' | 'down' | 'unknown'
  readonly lastError: string
  readonly labels: Readonly<Record<string, string>>
}

function apiError(what: string, detail: string): InfraError {
  return new InfraError('E_INFRA_COMMAND_FAILED', `Prometheus ${what}: ${detail}`, {
    context: { service: 'prometheus' },
    retryable: true,
  })
}

async function getData<T>(url: string, what: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) })
  const body = (await response.json().catch(() => ({}))) as {
    status?: string
    data?: T
    error?: string
  }
  if (!response.ok || body.status !== 'success' || body.data === undefined) {
    throw apiError(what, body.error ?? `HTTP ${response.status}`)
  }
  return body.data
}

/** An instant query (`/api/v1/query`): one sample per matching series. */
export async function promQuery(baseUrl: string, query: string): Promise<PromSample[]> {
  const url = `${baseUrl}/api/v1/query?query=${encodeURIComponent(query)}`
  const data = await getData<{ resultType: string; result: PromSample[] }>(url, `query ${query}`)
  if (data.resultType !== 'vector')
    throw apiError(`query ${query}`, `a ${data.resultType}, not a vector`)
  return data.result
}

/** The active scrape targets. */
export async function promTargets(baseUrl: string): Promise<PromTarget[]> {
  const data = await getData<{ activeTargets: PromTarget[] }>(
    `${baseUrl}/api/v1/targets`,
    'targets',
  )
  return data.activeTargets
}

/**
 * Polls until `check` returns a value (not undefined) or `timeoutMs` passes; the error names
 * `what` and the last thing seen.
 */
export async function pollUntil<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<{ done: T } | { seen: string }>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let seen = 'nothing yet'
  while (Date.now() < deadline) {
    const result = await check().catch((error: unknown) => ({ seen: String(error) }))
    if ('done' in result) return result.done
    seen = result.seen
    await sleep(200)
  }
  throw new InfraError(
    'E_INFRA_TIMEOUT',
    `Prometheus: ${what} within ${timeoutMs} ms; saw ${seen}.`,
    { context: { service: 'prometheus' }, retryable: true },
  )
}
