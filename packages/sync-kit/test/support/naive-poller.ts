import type pg from 'pg'

/**
 * The hazard, kept only for tests: an outbox poller that remembers the last `position` it saw
 * and asks for `position > last`. A transaction that took a lower position but committed later
 * is never read.
 */
export class NaiveIdPoller {
  last = 0
  readonly seen: string[] = []

  constructor(private readonly pool: pg.Pool) {}

  async pollOnce(): Promise<void> {
    const r = await this.pool.query<{ id: string; position: string }>(
      'SELECT id::text, position::text FROM sync_outbox WHERE position > $1 ORDER BY position',
      [this.last],
    )
    for (const row of r.rows) {
      this.seen.push(row.id)
      this.last = Number(row.position)
    }
  }
}
