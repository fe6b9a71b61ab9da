import type { LsnInput } from '@faultline/common'
import { CacheKitError, describeThrown, isCacheKitError } from './errors.js'
import { toLsn } from './lsn.js'
import type { Watermark } from './ports.js'

/** Where a loaded value came from; the fill is fenced on it. */
export interface LoadSource {
  /** Row version of the value. */
  version?: number
  /**
   * LSN the source had replayed when the value was read (e.g. `pg_last_wal_replay_lsn()`): text
   * like `16/B374D848` or a BigInt.
   */
  lsn?: LsnInput
}

/** What a loader receives. */
export interface LoaderContext {
  readonly key: string
  /** Aborted when `hardTimeoutMs` passes or the cache closes; nothing is cached after that. */
  readonly signal: AbortSignal
  /**
   * The key's invalidation watermark as known when this load began: a replica-aware loader should
   * read from a source that has replayed at least `watermark.lsn`.
   */
  readonly watermark: Watermark
  /** 0 first; 1, 2, … after a fill was refused as behind the watermark. */
  readonly attempt: number
  /** Reports the version and/or LSN of what was loaded. Call before returning. */
  report(source: LoadSource): void
}

/** Loads one key; return `undefined` for "not found". */
export type Loader<T> = (ctx: LoaderContext) => Promise<T | undefined> | T | undefined

/** @internal A reported source, checked: the LSN in canonical text. */
export interface CheckedSource {
  readonly version?: number
  readonly lsn?: string
}

/** @internal Outcome of a loader run. */
export interface LoadOutcome<T> {
  readonly value: T | undefined
  readonly source: CheckedSource
  readonly durationMs: number
}

/** @internal Validates a version number. */
export function checkVersion(version: unknown, key: string): number | undefined {
  if (version === undefined) return undefined
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
    throw new CacheKitError(
      'E_CACHE_INVALID_CHANGE',
      `Version for "${key}" must be a non-negative safe integer; got ${describeThrown(version)}.`,
      { context: { key, value: version } },
    )
  }
  return version
}

/** @internal Validates a reported source and turns its LSN into canonical text. */
export function checkSource(source: LoadSource, key: string): CheckedSource {
  const version = checkVersion(source?.version, key)
  const lsn = source?.lsn === undefined ? undefined : toLsn(source.lsn, 'report().lsn', key)
  return { ...(version !== undefined && { version }), ...(lsn !== undefined && { lsn }) }
}

/** @internal Wraps whatever a loader threw (Error or not) in a CacheKitError. */
export function loaderError(key: string, thrown: unknown): CacheKitError {
  if (isCacheKitError(thrown)) return thrown
  return new CacheKitError(
    'E_CACHE_LOADER_FAILED',
    `Loader for "${key}" failed: ${describeThrown(thrown)}.`,
    { cause: thrown, retryable: true, context: { key } },
  )
}

/** @internal The error a load in flight gets when the cache closes under it. */
export function closedError(): CacheKitError {
  return new CacheKitError('E_CACHE_CLOSED', 'The cache was closed while loading.')
}

/**
 * @internal Runs `call` under a hard deadline: rejects with `timeout()` (and aborts `controller`)
 * when the timer fires first, and also when `call` settles but took longer. The timer alone is not
 * enough: a loader that blocks the event loop past the deadline resolves before the timer callback
 * can run, and what it returns may predate invalidations made during the stall. When `closing`
 * aborts, it rejects at once with `E_CACHE_CLOSED`, so `close()` need not wait for loaders.
 */
export async function withHardTimeout<T>(
  call: () => Promise<T> | T,
  hardTimeoutMs: number,
  controller: AbortController,
  timeout: () => CacheKitError,
  closing: AbortSignal,
): Promise<{ value: T; durationMs: number }> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  let onClose: (() => void) | undefined
  const expired = (error: CacheKitError): CacheKitError => (controller.abort(error), error)
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(expired(timeout())), hardTimeoutMs)
    onClose = () => reject(expired(closedError()))
    if (closing.aborted) onClose()
    else closing.addEventListener('abort', onClose, { once: true })
  })
  try {
    const value = await Promise.race([Promise.resolve().then(call), deadline])
    const durationMs = performance.now() - started
    if (durationMs >= hardTimeoutMs) throw expired(timeout())
    return { value, durationMs }
  } finally {
    clearTimeout(timer)
    // The close signal lives as long as the cache: a listener left on it per load would pile up.
    if (onClose !== undefined) closing.removeEventListener('abort', onClose)
  }
}

/** @internal Runs a loader under a hard timeout; rejects with a CacheKitError on failure or timeout. */
export async function runLoader<T>(
  loader: Loader<T>,
  request: { key: string; watermark: Watermark; attempt: number; hardTimeoutMs: number },
  closing: AbortSignal,
): Promise<LoadOutcome<T>> {
  const { key, hardTimeoutMs } = request
  const controller = new AbortController()
  let source: CheckedSource = {}
  const ctx: LoaderContext = {
    key,
    signal: controller.signal,
    watermark: request.watermark,
    attempt: request.attempt,
    report: (reported) => (source = checkSource(reported, key)),
  }
  const timeout = () =>
    new CacheKitError(
      'E_CACHE_LOADER_TIMEOUT',
      `Loader for "${key}" did not finish within ${hardTimeoutMs} ms.`,
      { retryable: true, context: { key } },
    )
  try {
    const { value, durationMs } = await withHardTimeout(
      () => loader(ctx),
      hardTimeoutMs,
      controller,
      timeout,
      closing,
    )
    return { value, source, durationMs }
  } catch (thrown) {
    throw loaderError(key, thrown)
  }
}
