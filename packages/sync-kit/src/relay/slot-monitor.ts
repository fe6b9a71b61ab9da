import type { Pool } from 'pg'
import type { Logger } from '../ports.js'
import { readSlotStatus, type SlotStatus } from './slot.js'

/** Slot status plus whether retained WAL crossed the warning threshold. */
export interface SlotMetrics extends SlotStatus {
  readonly slot: string
  readonly retainedWalWarning: boolean
}

/**
 * Watches a slot's retained WAL. A stalled or abandoned slot keeps WAL forever and fills the
 * primary's disk; `max_slot_wal_keep_size` caps it on the server side, this warns before that.
 */
export class SlotMonitor {
  readonly #pool: Pool
  readonly #slot: string
  readonly #warnBytes: bigint
  readonly #logger: Logger

  constructor(pool: Pool, slot: string, warnBytes: bigint, logger: Logger) {
    this.#pool = pool
    this.#slot = slot
    this.#warnBytes = warnBytes
    this.#logger = logger
  }

  async poll(): Promise<SlotMetrics> {
    const status = await readSlotStatus(this.#pool, this.#slot)
    const retainedWalWarning = status.retainedWalBytes > this.#warnBytes
    if (retainedWalWarning) {
      this.#logger.warn(
        {
          slot: this.#slot,
          retainedWalBytes: status.retainedWalBytes.toString(),
          thresholdBytes: this.#warnBytes.toString(),
          active: status.active,
          walStatus: status.walStatus,
        },
        'replication slot retains too much WAL',
      )
    }
    return { ...status, slot: this.#slot, retainedWalWarning }
  }
}
