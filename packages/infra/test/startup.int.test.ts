import { Kafka, logLevel } from 'kafkajs'
import { Redis } from 'ioredis'
import pg from 'pg'
import { afterAll, describe, expect, test } from 'vitest'
import { startKafka, startPostgres, startRedis, type ServiceHandle } from '@faultline/infra'

const started: ServiceHandle[] = []

async function timed<T extends ServiceHandle>(
  start: () => Promise<T>,
): Promise<{ handle: T; ms: number }> {
  const t0 = performance.now()
  const handle = await start()
  started.push(handle)
  return { handle, ms: Math.round(performance.now() - t0) }
}

describe('the full set of local services', () => {
  afterAll(() => Promise.all(started.map((handle) => handle.stop())))

  test('primary + replica + Redis + Kafka start together and all answer (startup time printed)', async () => {
    const t0 = performance.now()
    const [postgres, redis, kafka] = await Promise.all([
      timed(() => startPostgres({ provider: 'local', replica: true, log: () => undefined })),
      timed(() => startRedis({ provider: 'local', log: () => undefined })),
      timed(() => startKafka({ provider: 'local', log: () => undefined })),
    ])
    const total = Math.round(performance.now() - t0)
    console.log(
      `[faultline/infra] full-set startup: ${total} ms in parallel ` +
        `(postgres primary+replica ${postgres.ms} ms, redis ${redis.ms} ms, kafka ${kafka.ms} ms; jars cached)`,
    )

    const replica = new pg.Client(postgres.handle.replicaUrl)
    await replica.connect()
    const standby = await replica.query<{ standby: boolean }>(
      'SELECT pg_is_in_recovery() AS standby',
    )
    await replica.end()
    expect(standby.rows[0]?.standby).toBe(true)

    const client = new Redis(redis.handle.url)
    expect(await client.ping()).toBe('PONG')
    client.disconnect()

    const admin = new Kafka({ brokers: kafka.handle.brokers, logLevel: logLevel.NOTHING }).admin()
    await admin.connect()
    const cluster = await admin.describeCluster()
    await admin.disconnect()
    expect(cluster.brokers).toHaveLength(1)
  })
})
