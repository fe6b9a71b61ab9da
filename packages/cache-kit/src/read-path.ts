import type { CacheCore } from './core.js'
import { delay } from './core.js'
import { buildEntry, entryState } from './entry.js'
import { CacheKitError } from './errors.js'
import { mergeWatermarks, type LocalTicket } from './local-fence.js'
import { runLoader, type Loader, type LoadOutcome } from './loader.js'
import type { ResolvedLoadOptions } from './options.js'
import type { StaleReason } from './events.js'
import type { FillResult, StoredEntry, StoreReadResult } from './ports.js'

/** What a flight resolves to: the serialized value, `null` for "not found". Each caller decodes its own copy. */
export type Payload = string | null

/** One key's read-through request. */
export interface KeyRequest<T> {
  readonly key: string
  readonly loader: Loader<T>
  readonly options: ResolvedLoadOptions
  readonly local: LocalTicket
}

/** Reads L2 (asking for the lease when `owner` is given); `undefined` when L2 is unavailable. */
export async function readL2(
  core: CacheCore,
  key: string,
  tags: readonly string[],
  owner?: string,
  forceLease = false,
): Promise<StoreReadResult | undefined> {
  if (!core.guard.available) return undefined
  const now = core.clock.now()
  const options = {
    tags,
    now,
    leaseOwner: owner,
    leaseTtlMs: core.tunables.leaseTtlMs,
    forceLease,
    // A tombstone lives tombstoneTtlMs, so past that a ticket cannot prove the fill safe.
    ticketTtlMs: core.tunables.tombstoneTtlMs,
  }
  return core.guard.attempt('read', () => core.store.read(key, options))
}

/**
 * The hit path's L2 read: the entry alone (Redis: one `GET`). `undefined` when there is none or L2
 * is unavailable; the caller then takes the miss path, whose `read` is what fences the fill.
 */
export function peekL2(core: CacheCore, key: string): Promise<StoredEntry | undefined> {
  return core.guard.attempt('peek', () => core.store.peek(key))
}

/** What {@link tryL2Hit} returns when L2 holds no fresh entry. */
export const NO_HIT: unique symbol = Symbol('cache-kit no L2 hit')

/**
 * The L2 hit path, outside single-flight and tracing: one peek, and the payload if the entry is
 * fresh. A fresh entry needs no ticket, watermark or lease; only a fill that passed the fence
 * writes one and every invalidation removes it, so serving it is what the fenced read would have
 * served at that instant. Anything else is {@link NO_HIT}: the caller takes the miss path.
 */
export function tryL2Hit(
  core: CacheCore,
  req: KeyRequest<unknown>,
): Promise<Payload | typeof NO_HIT> {
  return peekL2(core, req.key).then((entry) =>
    entry === undefined || entryState(entry, core.clock.now()) !== 'fresh'
      ? NO_HIT
      : serveL2Hit(core, req, entry),
  )
}

/** Serves a fresh L2 entry and copies it into L1 if nothing invalidated the key meanwhile. */
export function serveL2Hit(
  core: CacheCore,
  req: KeyRequest<unknown>,
  entry: StoredEntry,
  refresh = true,
): Payload {
  if (core.l1?.set(req.key, entry, req.local))
    core.emitter.emit('cache:filled', { key: req.key, tier: 'l1' })
  core.emitter.emit('cache:hit', { key: req.key, tier: 'l2' })
  if (refresh) core.onL2Hit(req.key, entry, req.loader, req.options)
  return entry.payload
}

function stale(core: CacheCore, key: string, entry: StoredEntry, reason: StaleReason): Payload {
  core.emitter.emit('cache:stale-served', { key, reason })
  return entry.payload
}

function pickStale(
  core: CacheCore,
  ...candidates: (StoredEntry | undefined)[]
): StoredEntry | undefined {
  const now = core.clock.now()
  return candidates.find(
    (candidate) => candidate !== undefined && entryState(candidate, now) !== 'expired',
  )
}

/**
 * The miss path of one key, after {@link tryL2Hit} found no fresh entry: the fenced L2 read (which
 * may still find a fresh entry filled meanwhile), then (lease permitting) the loader, then a fenced
 * fill.
 * `l1Entry` is a trusted L1 entry that could not be served as a hit because it is no longer fresh;
 * the caller passes none while the bus is down, since such an entry may be older than an
 * acknowledged invalidation.
 */
export async function resolveKey<T>(
  core: CacheCore,
  req: KeyRequest<T>,
  l1Entry: StoredEntry | undefined,
): Promise<Payload> {
  const owner = core.nextLeaseOwner()
  let read = await readL2(core, req.key, req.options.tags, owner)
  if (read?.entry !== undefined && entryState(read.entry, core.clock.now()) === 'fresh') {
    return serveL2Hit(core, req, read.entry)
  }
  const staleEntry = pickStale(core, read?.entry, l1Entry)
  if (read?.lease === 'held') {
    if (staleEntry !== undefined) return stale(core, req.key, staleEntry, 'refreshing')
    const waited = await waitForLease(core, req, owner)
    if (typeof waited !== 'object' || waited === null) return waited
    read = waited.read
  }
  core.emitter.emit('cache:miss', { key: req.key })
  return loadWithFallback(core, req, read, owner, staleEntry)
}

/** Polls L2 until the lease holder's fill lands, the lease frees up, or the wait bound passes. */
async function waitForLease<T>(
  core: CacheCore,
  req: KeyRequest<T>,
  owner: string,
): Promise<Payload | { read: StoreReadResult | undefined }> {
  const deadline = performance.now() + core.tunables.leaseWaitMs
  let read: StoreReadResult | undefined
  // Stops at close too: the load that follows then fails at once with E_CACHE_CLOSED.
  while (performance.now() < deadline && !core.closing.aborted) {
    await delay(core.tunables.leasePollMs, core.closing)
    read = await readL2(core, req.key, req.options.tags, owner)
    if (read === undefined) return { read }
    if (read.entry !== undefined && entryState(read.entry, core.clock.now()) === 'fresh') {
      return serveL2Hit(core, req, read.entry)
    }
    if (read.lease !== 'held') return { read }
  }
  return { read }
}

type Settled = { ok: true; payload: Payload } | { ok: false; error: unknown }

/** Loads, and with a stale entry in hand applies the soft timeout and the fail-safe. */
async function loadWithFallback<T>(
  core: CacheCore,
  req: KeyRequest<T>,
  read: StoreReadResult | undefined,
  owner: string,
  staleEntry: StoredEntry | undefined,
): Promise<Payload> {
  const work = loadAndFill(core, req, read, owner)
  if (staleEntry === undefined) return work
  const settled: Promise<Settled> = work.then(
    (payload) => ({ ok: true, payload }),
    (error: unknown) => ({ ok: false, error }),
  )
  const soft = req.options.softTimeoutMs
  let first: Settled | 'soft'
  if (soft === undefined) first = await settled
  else {
    // The soft timer is cancelled once the load settles, so no timer outlives the read.
    const cancel = new AbortController()
    const timer = delay(soft, cancel.signal).then(() => 'soft' as const)
    first = await Promise.race([settled, timer])
    cancel.abort()
  }
  if (first === 'soft') {
    core.background(settled, `refresh of "${req.key}"`)
    return stale(core, req.key, staleEntry, 'soft-timeout')
  }
  if (first.ok) return first.payload
  if (first.error instanceof CacheKitError && !first.error.retryable) throw first.error
  return stale(core, req.key, staleEntry, 'loader-failed')
}

async function releaseLease(
  core: CacheCore,
  key: string,
  read: StoreReadResult | undefined,
  owner: string,
): Promise<void> {
  if (read?.lease !== 'acquired') return
  await core.guard
    .run('releaseLease', () => core.store.releaseLease(key, owner))
    .catch(() => undefined)
}

/**
 * Runs the loader and fills. A fill refused as behind the watermark (a lagging source) is retried
 * with the new watermark up to `fenceRetries` times, then fails: returning it would be a stale read.
 */
export async function loadAndFill<T>(
  core: CacheCore,
  req: KeyRequest<T>,
  read: StoreReadResult | undefined,
  owner: string,
): Promise<Payload> {
  let current = read
  for (let attempt = 0; ; attempt += 1) {
    const outcome = await runLoaderOnce(core, req, current, owner, attempt)
    let entry: StoredEntry
    try {
      entry = buildEntry(
        outcome.value,
        outcome.source,
        req.options,
        core.serializer,
        core.clock.now(),
        core.random,
      )
    } catch (error) {
      await releaseLease(core, req.key, current, owner)
      throw error
    }
    const result = await fill(core, req, entry, current, owner)
    if (result.ok || (result.reason !== 'version-behind' && result.reason !== 'lsn-behind'))
      return entry.payload
    if (attempt >= core.tunables.fenceRetries) {
      throw new CacheKitError(
        'E_CACHE_STALE_LOAD',
        `Loaded "${req.key}" ${attempt + 1} times and each was behind its invalidation (${result.reason}).`,
        {
          retryable: true,
          context: { key: req.key, reason: result.reason },
        },
      )
    }
    current = await readL2(core, req.key, req.options.tags, owner)
  }
}

async function runLoaderOnce<T>(
  core: CacheCore,
  req: KeyRequest<T>,
  read: StoreReadResult | undefined,
  owner: string,
  attempt: number,
): Promise<LoadOutcome<T>> {
  try {
    // The stricter of L2's watermark and what reached this node over the bus, so a loader can
    // pick a source that has replayed far enough even while L2 is unreachable.
    const watermark = mergeWatermarks(read?.watermark ?? {}, core.fence.watermark(req.key))
    const outcome = await runLoader(
      req.loader,
      { key: req.key, watermark, attempt, hardTimeoutMs: req.options.hardTimeoutMs },
      core.closing,
    )
    core.emitter.emit('cache:loaded', { key: req.key, durationMs: outcome.durationMs })
    return outcome
  } catch (error) {
    await releaseLease(core, req.key, read, owner)
    if (error instanceof CacheKitError)
      core.emitter.emit('cache:load-failed', { key: req.key, error })
    throw error
  }
}

/** Fills L2 (fenced by the ticket) and then L1 (fenced by the local ticket). */
export async function fill<T>(
  core: CacheCore,
  req: KeyRequest<T>,
  entry: StoredEntry,
  read: StoreReadResult | undefined,
  owner: string,
): Promise<FillResult> {
  if (entry.payload === null && req.options.negativeTtlMs === 0) {
    await releaseLease(core, req.key, read, owner)
    return { ok: true }
  }
  const result = await fillL2(core, entry, read, owner)
  if (result.ok) core.emitter.emit('cache:filled', { key: req.key, tier: 'l2' })
  else if (result.reason !== 'store-unavailable')
    core.emitter.emit('cache:fill-rejected', { key: req.key, reason: result.reason })
  if (!result.ok && result.reason !== 'store-unavailable') return result
  if (core.l1 === undefined) return result
  if (core.l1.set(req.key, entry, req.local))
    core.emitter.emit('cache:filled', { key: req.key, tier: 'l1' })
  else core.emitter.emit('cache:fill-rejected', { key: req.key, reason: 'local-invalidation' })
  return result
}

async function fillL2(
  core: CacheCore,
  entry: StoredEntry,
  read: StoreReadResult | undefined,
  owner: string,
): Promise<FillResult> {
  if (read === undefined) return { ok: false, reason: 'store-unavailable' }
  const ttlMs = Math.max(1, entry.graceUntil - core.clock.now())
  const leaseOwner = read.lease === 'acquired' ? owner : undefined
  return core.guard
    .run('fill', () => core.store.fill(read.ticket, entry, { ttlMs, leaseOwner }))
    .catch((): FillResult => ({ ok: false, reason: 'store-unavailable' }))
}
