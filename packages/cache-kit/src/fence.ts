import { compareLsn } from '@faultline/common'
import type { FillRejectReason, InvalidateRequest, StoredEntry, Watermark } from './ports.js'

/**
 * The fill rules every store applies atomically (the Redis adapter mirrors them in Lua): a fill is
 * refused when its ticket is void, when it is behind the key's watermark, or when it would replace
 * a newer entry.
 */
export function checkFill(
  ticketValid: boolean,
  watermark: Watermark,
  current: StoredEntry | undefined,
  entry: StoredEntry,
): FillRejectReason | undefined {
  if (!ticketValid) return 'invalidated'
  if (entry.version !== undefined && watermark.version !== undefined) {
    if (entry.version < watermark.version) return 'version-behind'
  }
  if (entry.lsn !== undefined && watermark.lsn !== undefined) {
    if (compareLsn(entry.lsn, watermark.lsn) < 0) return 'lsn-behind'
  }
  if (entry.version !== undefined && current?.version !== undefined) {
    if (entry.version < current.version) return 'older-than-cached'
  }
  return undefined
}

/** True when a change-stream event is newer than the watermark in version or LSN. */
export function isNewer(watermark: Watermark, request: InvalidateRequest): boolean {
  if (request.version === undefined && request.lsn === undefined) return true
  if (request.version !== undefined) {
    if (watermark.version === undefined || request.version > watermark.version) return true
  }
  if (request.lsn !== undefined) {
    if (watermark.lsn === undefined || compareLsn(request.lsn, watermark.lsn) > 0) return true
  }
  return false
}

/** The watermark raised by a request: each component only ever moves forward. */
export function raiseWatermark(watermark: Watermark, request: InvalidateRequest): Watermark {
  let { version, lsn } = watermark
  if (request.version !== undefined && (version === undefined || request.version > version)) {
    version = request.version
  }
  if (request.lsn !== undefined && (lsn === undefined || compareLsn(request.lsn, lsn) > 0)) {
    lsn = request.lsn
  }
  return { ...(version !== undefined && { version }), ...(lsn !== undefined && { lsn }) }
}

/** Whether an invalidation removes the current entry (a `change` keeps one at least as new). */
export function shouldDropEntry(current: StoredEntry, request: InvalidateRequest): boolean {
  if (request.mode === 'force' || request.version === undefined) return true
  return current.version === undefined || current.version < request.version
}
