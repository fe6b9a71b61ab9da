import type pg from 'pg'
import { appendEvents } from '@faultline/sync-kit'
import { ev, inTx } from './pg.js'

/** Failed transactions after which a writer gives up (the test then sees a short outbox). */
const MAX_ERRORS = 1_000

/**
 * A background writer committing 1–4 events per transaction across `aggregates` aggregates,
 * until stopped or, with `limit`, once that many events are committed (sized by work, so a busy
 * machine makes the test slower, not bigger).
 */
export function startWriter(pool: pg.Pool, aggregates = 20, pauseMs = 5, limit = Infinity) {
  let running = true
  let committed = 0
  let errors = 0
  let i = 0
  const loop = (async () => {
    while (running && committed < limit && errors < MAX_ERRORS) {
      const n = 1 + (i % 4)
      try {
        await inTx(pool, (c) =>
          appendEvents(
            c,
            Array.from({ length: n }, (_, k) => ev(`agg-${(i * 7 + k) % aggregates}`, i)),
          ),
        )
        committed += n
      } catch {
        errors++ // e.g. Postgres restarting: the outbox, not this counter, is the truth
        await new Promise((r) => setTimeout(r, 100))
      }
      i++
      await new Promise((r) => setTimeout(r, pauseMs))
    }
  })()
  return {
    get committed() {
      return committed
    },
    get errors() {
      return errors
    },
    async stop() {
      running = false
      await loop
    },
    /** Resolves once `limit` events are committed (or the writer gave up). */
    finished(): Promise<void> {
      return loop
    },
  }
}
