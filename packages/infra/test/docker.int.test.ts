import { Redis } from 'ioredis'
import pg from 'pg'
import { describe, expect, test } from 'vitest'
import { dockerUnavailableReason, startPostgres, startRedis } from '@faultline/infra'

const noDocker = await dockerUnavailableReason()
if (noDocker !== undefined) {
  console.log(`[faultline/infra] docker provider tests skipped: ${noDocker}`)
}

describe('docker provider', () => {
  test.skipIf(noDocker !== undefined)(
    'Redis in a container answers, pauses and restarts on the same port',
    async () => {
      const handle = await startRedis({ provider: 'docker' })
      const redis = new Redis(handle.url, { commandTimeout: 500, maxRetriesPerRequest: 1 })
      redis.on('error', () => undefined)
      try {
        expect(await redis.set('k', 'v')).toBe('OK')
        await handle.pause()
        await expect(redis.ping()).rejects.toThrow()
        await handle.resume()
        await handle.restart()
        const again = new Redis(handle.url)
        expect(await again.ping()).toBe('PONG')
        again.disconnect()
      } finally {
        redis.disconnect()
        await handle.stop()
      }
    },
  )

  test.skipIf(noDocker !== undefined)(
    'Postgres in containers streams to a lagging standby',
    async () => {
      const handle = await startPostgres({
        provider: 'docker',
        replica: true,
        replicaApplyDelayMs: 200,
      })
      try {
        const client = new pg.Client(handle.url)
        await client.connect()
        await client.query('CREATE TABLE t (id int)')
        await client.end()
        expect(await handle.replicaLagBytes()).toBeGreaterThanOrEqual(0n)
        expect(await handle.replayLsn()).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/)
      } finally {
        await handle.stop()
      }
    },
  )
})
