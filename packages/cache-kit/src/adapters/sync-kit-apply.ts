import type { ChangeResult } from '../invalidator.js'
import type { ReadThroughCache } from '../read-through-cache.js'
import { invalidOption } from '../validate.js'
import { changeFromEvent, type SyncKitEvent } from './sync-kit-change.js'

/** Options for {@link applyEvent}. */
export interface ApplyEventOptions {
  /** The key, or keys, the event's row is cached under, e.g. `` `product:${event.aggregateId}` ``. */
  readonly key: string | readonly string[]
  /**
   * Tags to void as well, e.g. the list pages that hold the row. Tags carry no version, so a
   * replayed event voids them again: that costs a reload, never a stale read.
   * @default []
   */
  readonly tags?: readonly string[]
}

/** What {@link applyEvent} did. */
export interface EventChangeResult {
  /** False when the event was not newer than any key's watermark (a replay or a late arrival). */
  readonly applied: boolean
  /** `applyChange()`'s result for each key, in the order of `key`. */
  readonly changes: readonly ChangeResult[]
}

/**
 * Applies a sync-kit event to the cache: `applyChange()` for each key at the aggregate's version
 * and commit LSN (see {@link changeFromEvent}), then `invalidateTags()`. Every key is checked
 * before any is applied, so a bad event changes nothing. Like `applyChange()` it is idempotent
 * and never moves a key backwards, and it rejects, retryably, while Redis or the bus is away:
 * call it from the consumer's handler, so the offset is committed only after it resolved.
 * @throws CacheKitError what {@link changeFromEvent} throws, `E_CACHE_INVALID_OPTION` for an
 * empty `key` or `tags` that is not an array, and what `applyChange()` and `invalidateTags()` reject with.
 */
export async function applyEvent(
  cache: Pick<ReadThroughCache, 'applyChange' | 'invalidateTags'>,
  event: SyncKitEvent,
  options: ApplyEventOptions,
): Promise<EventChangeResult> {
  const changes = keysOf(options).map((key) => changeFromEvent(event, key))
  const tags = tagsOf(options)
  const results: ChangeResult[] = []
  // One at a time: a rejection leaves the rest to the handler's retry, which repeats the keys
  // already applied harmlessly.
  for (const change of changes) results.push(await cache.applyChange(change))
  if (tags.length > 0) await cache.invalidateTags(tags)
  return { applied: results.some((result) => result.applied), changes: results }
}

function keysOf(options: ApplyEventOptions): readonly string[] {
  const key: unknown = options?.key
  if (typeof key === 'string') return [key]
  if (Array.isArray(key) && key.length > 0) return key as readonly string[]
  throw invalidOption('key', key, 'a cache key or a non-empty array of cache keys')
}

function tagsOf(options: ApplyEventOptions): readonly string[] {
  const tags: unknown = options.tags
  if (tags === undefined) return []
  if (Array.isArray(tags)) return tags as readonly string[]
  throw invalidOption('tags', tags, 'an array of tags')
}
