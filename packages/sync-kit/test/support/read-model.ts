import pg from 'pg'
import {
  createConsumer,
  createPostgresConsumerStore,
  migrateSyncKit,
  type Consumer,
} from '@faultline/sync-kit'
import { createKafkaEventConsumer, createKafkaPublisher } from '@faultline/sync-kit/kafka'

/**
 * A read model kept by the kit's consumer (inbox in the same transaction as the handler's
 * writes). The handler refuses to apply an event twice (primary key) or out of order.
 */
export async function startReadModel(url: string, brokers: string[], topic: string) {
  const pool = new pg.Pool({ connectionString: url, max: 4 })
  pool.on('error', () => undefined)
  await migrateSyncKit(pool)
  await pool.query(`CREATE TABLE IF NOT EXISTS rm_applied (event_id uuid PRIMARY KEY, aggregate text, seq bigint);
                    CREATE TABLE IF NOT EXISTS rm_aggregate (aggregate text PRIMARY KEY, last_seq bigint NOT NULL)`)
  const deadLetters = createKafkaPublisher({ brokers })
  const consumer: Consumer<pg.PoolClient> = createConsumer<pg.PoolClient>({
    groupId: 'read-model',
    topics: [topic],
    consumer: createKafkaEventConsumer({
      brokers,
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1000,
    }),
    db: createPostgresConsumerStore({ pool }),
    deadLetters,
    handlers: {
      'order.changed': async (tx, event) => {
        const r = await tx.query<{ last_seq: string }>(
          'SELECT last_seq::text FROM rm_aggregate WHERE aggregate = $1',
          [event.aggregateId],
        )
        const last = Number(r.rows[0]?.last_seq ?? event.sequence - 1)
        if (r.rows[0] && event.sequence !== last + 1) {
          throw new Error(`out of order: ${event.aggregateId} ${event.sequence} after ${last}`)
        }
        await tx.query('INSERT INTO rm_applied VALUES ($1, $2, $3)', [
          event.id,
          event.aggregateId,
          event.sequence,
        ])
        await tx.query(
          `INSERT INTO rm_aggregate VALUES ($1, $2)
           ON CONFLICT (aggregate) DO UPDATE SET last_seq = EXCLUDED.last_seq`,
          [event.aggregateId, event.sequence],
        )
      },
    },
  })
  await consumer.start()
  return {
    pool,
    async applied(): Promise<number> {
      const r = await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM rm_applied')
      return Number(r.rows[0]!.n)
    },
    async rows() {
      const r = await pool.query<{ event_id: string }>('SELECT event_id::text FROM rm_applied')
      return r.rows.map((x) => x.event_id)
    },
    async stop() {
      await consumer.stop()
      await deadLetters.close()
      await pool.end()
    },
  }
}
