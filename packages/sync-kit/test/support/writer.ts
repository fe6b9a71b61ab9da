import type pg from 'pg'
import { appendEvents } from '@faultline/sync-kit'
import { ev, inTx } from './pg.js'

/** A background writer committing 1–4 events per transaction across `aggregates` aggregates. */
export function startWriter(pool: pg.Pool, aggregates = 20, pauseMs = 5) {
  let running = true
  let committed = 0
  let errors = 0
  let i = 0
  const loop = (async () => {
    while (running) {
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
  }
}
