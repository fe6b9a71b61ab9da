import type { LsnInput } from '@faultline/common'
import type { ConsumedEvent } from '@faultline/sync-kit'
import { CacheKitError } from '../errors.js'
import type { ChangeEvent } from '../invalidator.js'
import { checkKey } from '../keys.js'
import { toLsn } from '../lsn.js'
import { describeValue } from '../validate.js'

/**
 * What cache-kit reads from a sync-kit event. A `ConsumedEvent`, as a sync-kit consumer hands it
 * to a handler, fits as it is; `commitLsn` may also be a BigInt, like every LSN cache-kit takes.
 */
export type SyncKitEvent = Pick<
  ConsumedEvent,
  'id' | 'type' | 'aggregateType' | 'aggregateId' | 'sequence'
> & {
  /** The commit LSN of the transaction that wrote the event (the `fl-commit-lsn` header). */
  readonly commitLsn?: LsnInput | undefined
}

/**
 * The `applyChange()` input for a sync-kit event: `key` at the aggregate's version (the event's
 * `sequence`, which the relays also send as `fl-aggregate-version`), fenced by the LSN of the
 * commit that wrote it (`commitLsn`, from `fl-commit-lsn`) as canonical text. Not the envelope's
 * `id` (the event's UUID) nor its `schemaVersion` (the payload's schema).
 *
 * The version is the row's version only while the aggregate's events are its row's only writes,
 * so that `sequence` counts them: report the same number from the loader (`ctx.report`).
 * @throws CacheKitError `E_CACHE_INVALID_EVENT` when the event has no aggregate version or no
 * commit LSN, `E_CACHE_INVALID_LSN` when `commitLsn` is not an LSN, `E_CACHE_INVALID_KEY` when
 * `key` is not a non-empty string.
 */
export function changeFromEvent(event: SyncKitEvent, key: string): ChangeEvent {
  checkKey(key, Number.MAX_SAFE_INTEGER) // the cache checks its own length limit on apply
  if (typeof event !== 'object' || event === null) {
    throw invalidEvent(
      `Event for "${key}" is ${describeValue(event)}: pass the event a sync-kit consumer handed to your handler.`,
      { key, field: 'event' },
    )
  }
  return { key, version: aggregateVersion(event, key), lsn: commitLsn(event, key) }
}

function aggregateVersion(event: SyncKitEvent, key: string): number {
  const version: unknown = event.sequence
  if (typeof version === 'number' && Number.isSafeInteger(version) && version >= 1) return version
  throw invalidEvent(
    `${describeEvent(event)} has no aggregate version (its sequence is ${describeValue(version)}), so "${key}" cannot be versioned: pass the event a sync-kit consumer handed to your handler as it is, whose sequence is its aggregate's version.`,
    { key, field: 'sequence', ...eventId(event) },
  )
}

function commitLsn(event: SyncKitEvent, key: string): string {
  if (event.commitLsn === undefined || event.commitLsn === null) {
    throw invalidEvent(
      `${describeEvent(event)} has no commitLsn, so "${key}" cannot be fenced by the commit that wrote it: the message did not come through a sync-kit relay (it has no fl-commit-lsn header). Publish events with createLogicalRelay() or createPollingRelay(), or call applyChange() yourself with the commit's LSN.`,
      { key, field: 'commitLsn', ...eventId(event) },
    )
  }
  return toLsn(event.commitLsn, 'commitLsn', key)
}

function invalidEvent(
  message: string,
  context: { key: string; field: string; eventId?: string },
): CacheKitError {
  return new CacheKitError('E_CACHE_INVALID_EVENT', message, { context })
}

/** `Event catalog.product.changed 0190… of product/42`, for messages. */
function describeEvent(event: SyncKitEvent): string {
  const id = typeof event.id === 'string' ? ` ${event.id}` : ''
  const type = typeof event.type === 'string' ? ` ${event.type}` : ''
  const aggregate =
    typeof event.aggregateType === 'string' && typeof event.aggregateId === 'string'
      ? ` of ${event.aggregateType}/${event.aggregateId}`
      : ''
  return `Event${type}${id}${aggregate}`
}

function eventId(event: SyncKitEvent): { eventId?: string } {
  return typeof event.id === 'string' ? { eventId: event.id } : {}
}
