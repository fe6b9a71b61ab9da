/**
 * Worker thread entry: a projection runner (sync-kit consumer with inbox and gap holding) that
 * keeps an insert-only read model of one topic in its own database. Each applied event leaves a
 * row whose transaction's commit timestamp marks when the read model had it.
 */
import { parentPort, workerData } from 'node:worker_threads'
import pg from 'pg'
import type { PoolClient } from 'pg'
import {
  createPostgresConsumerStore,
  createProjectionRunner,
  defineProjection,
  migrateSyncKit,
} from '@faultline/sync-kit'
import { createKafkaEventConsumer, createKafkaPublisher } from '@faultline/sync-kit/kafka'

/** What the read-model worker is given. */
export interface ReadModelTask {
  brokers: string[]
  url: string
  topic: string
  name: string
}

const task = workerData as ReadModelTask
const pool = new pg.Pool({ connectionString: task.url, max: 12 })
pool.on('error', () => undefined)
await migrateSyncKit(pool)
const deadLetters = createKafkaPublisher({ brokers: task.brokers })
const runner = createProjectionRunner<PoolClient>({
  projection: defineProjection<PoolClient>({
    name: task.name,
    handles: ['bench.happened'],
    createTable: async (tx, table) =>
      void (await tx.query(
        `CREATE TABLE IF NOT EXISTS ${table} (event_id uuid PRIMARY KEY, aggregate_id text NOT NULL)`,
      )),
    apply: async (tx, event, { table }) =>
      void (await tx.query(`INSERT INTO ${table} (event_id, aggregate_id) VALUES ($1, $2)`, [
        event.id,
        event.aggregateId,
      ])),
    rows: async (tx, table) =>
      (await tx.query<{ event_id: string }>(`SELECT event_id FROM ${table}`)).rows.map(
        (r) => r.event_id,
      ),
  }),
  db: createPostgresConsumerStore({ pool }),
  topics: [task.topic],
  connect: () =>
    createKafkaEventConsumer({ brokers: task.brokers, partitionsConsumedConcurrently: 3 }),
  deadLetters,
})

parentPort?.on('message', (m: { id: number; request: 'start' | 'stop' }) => {
  const answer = async () => {
    if (m.request === 'start') await runner.start()
    else {
      await runner.stop()
      await deadLetters.close()
      await pool.end()
    }
    parentPort?.postMessage({ id: m.id, value: null })
  }
  void answer()
})
