import type { CacheCore } from './core.js'
import { buildEntry, entryState } from './entry.js'
import { CacheKitError, isCacheKitError } from './errors.js'
import type { LocalTicket } from './local-fence.js'
import {
  checkSource,
  loaderError,
  withHardTimeout,
  type CheckedSource,
  type LoadSource,
} from './loader.js'
import type { ResolvedLoadOptions } from './options.js'
import type { StoredEntry, StoreReadResult, Watermark } from './ports.js'
import { fill, readL2, serveL2Hit, type Payload } from './read-path.js'

/** What a batch loader receives. */
export interface BatchLoaderContext {
  readonly signal: AbortSignal
  /** Each key's invalidation watermark as known when the batch began. */
  readonly watermarks: ReadonlyMap<string, Watermark>
  /** Reports the version and/or LSN of one loaded key. */
  report(key: string, source: LoadSource): void
}

/** Loads many keys in one call; keys missing from the result are "not found". */
export type BatchLoader<T> = (
  keys: readonly string[],
  ctx: BatchLoaderContext,
) => Promise<ReadonlyMap<string, T> | Readonly<Record<string, T>>>

interface Pending {
  readonly key: string
  readonly local: LocalTicket
  readonly read: StoreReadResult | undefined
  readonly stale: StoredEntry | undefined
}

function toMap<T>(
  result: ReadonlyMap<string, T> | Readonly<Record<string, T>>,
): ReadonlyMap<string, T> {
  return result instanceof Map ? result : new Map(Object.entries(result))
}

async function callBatch<T>(
  loader: BatchLoader<T>,
  pending: readonly Pending[],
  hardTimeoutMs: number,
  closing: AbortSignal,
) {
  const controller = new AbortController()
  const sources = new Map<string, CheckedSource>()
  const keys = pending.map((item) => item.key)
  const ctx: BatchLoaderContext = {
    signal: controller.signal,
    watermarks: new Map(pending.map((item) => [item.key, item.read?.watermark ?? {}])),
    report: (key, source) => sources.set(key, checkSource(source, key)),
  }
  const timeout = () =>
    new CacheKitError(
      'E_CACHE_LOADER_TIMEOUT',
      `Batch loader for ${keys.length} keys did not finish within ${hardTimeoutMs} ms.`,
      { retryable: true, context: { keys } },
    )
  try {
    const { value } = await withHardTimeout(
      () => loader(keys, ctx),
      hardTimeoutMs,
      controller,
      timeout,
      closing,
    )
    return { values: toMap(value), sources }
  } catch (thrown) {
    throw isCacheKitError(thrown) ? thrown : loaderError(keys.join(','), thrown)
  }
}

/**
 * The miss path of `getManyOrLoad`: one L2 read per key, then one batch load for every key that
 * missed, then a fenced fill per key. Batch loads take no leases (a page is rarely a herd).
 */
export async function resolveMany<T>(
  core: CacheCore,
  misses: readonly { key: string; local: LocalTicket; l1Entry: StoredEntry | undefined }[],
  loader: BatchLoader<T>,
  options: ResolvedLoadOptions,
): Promise<Map<string, Payload>> {
  const out = new Map<string, Payload>()
  const pending: Pending[] = []
  await Promise.all(
    misses.map(async ({ key, local, l1Entry }) => {
      const read = await readL2(core, key, options.tags)
      const entry = read?.entry
      if (entry !== undefined && entryState(entry, core.clock.now()) === 'fresh') {
        out.set(
          key,
          serveL2Hit(core, { key, local, options, loader: () => undefined }, entry, false),
        )
        return
      }
      const stale = [entry, l1Entry].find(
        (candidate) =>
          candidate !== undefined && entryState(candidate, core.clock.now()) !== 'expired',
      )
      core.emitter.emit('cache:miss', { key })
      pending.push({ key, local, read, stale })
    }),
  )
  if (pending.length === 0) return out
  let loaded: Awaited<ReturnType<typeof callBatch<T>>>
  try {
    loaded = await callBatch(loader, pending, options.hardTimeoutMs, core.closing)
  } catch (error) {
    if (!pending.every((item) => item.stale !== undefined)) throw error
    for (const item of pending) {
      core.emitter.emit('cache:stale-served', { key: item.key, reason: 'loader-failed' })
      out.set(item.key, item.stale?.payload ?? null)
    }
    return out
  }
  const now = core.clock.now()
  const entries = pending.map((item) => ({
    item,
    entry: buildEntry(
      loaded.values.get(item.key),
      loaded.sources.get(item.key) ?? {},
      options,
      core.serializer,
      now,
      core.random,
    ),
  }))
  await Promise.all(
    entries.map(async ({ item, entry }) => {
      await fill(
        core,
        { key: item.key, local: item.local, options, loader: () => undefined },
        entry,
        item.read,
        '',
      )
      out.set(item.key, entry.payload)
    }),
  )
  return out
}

/**
 * `getManyOrLoad` after the keys were checked: L1 hits first (`l1Get` returns none while L1 is not
 * trusted), then {@link resolveMany} for the rest. Returns each key's payload.
 */
export async function readMany<T>(
  core: CacheCore,
  keys: readonly string[],
  loader: BatchLoader<T>,
  options: ResolvedLoadOptions,
  l1Get: (key: string) => StoredEntry | undefined,
): Promise<Map<string, Payload>> {
  const payloads = new Map<string, Payload>()
  const misses: { key: string; local: LocalTicket; l1Entry: StoredEntry | undefined }[] = []
  for (const key of keys) {
    const l1Entry = l1Get(key)
    if (l1Entry !== undefined && entryState(l1Entry, core.clock.now()) === 'fresh') {
      core.emitter.emit('cache:hit', { key, tier: 'l1' })
      payloads.set(key, l1Entry.payload)
    } else {
      misses.push({ key, local: core.fence.ticket(key, options.tags), l1Entry })
    }
  }
  if (misses.length === 0) return payloads
  for (const [key, payload] of await resolveMany(core, misses, loader, options)) {
    payloads.set(key, payload)
  }
  return payloads
}
