import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { startRedis, type RedisHandle } from '@faultline/infra'
import { trackedCounts } from '../src/local/cleanup.js'

function client(url: string, commandTimeout = 1_000): Redis {
  const redis = new Redis(url, { commandTimeout, maxRetriesPerRequest: 1, lazyConnect: true })
  redis.on('error', () => undefined)
  return redis
}

describe('startRedis (local provider)', () => {
  let handle: RedisHandle

  beforeAll(async () => {
    handle = await startRedis({ provider: 'local' })
  })
  afterAll(() => handle?.stop())

  test('a SET/GET round trip works', async () => {
    const redis = client(handle.url)
    await redis.set('k', 'v')
    expect(await redis.get('k')).toBe('v')
    redis.disconnect()
  })

  test('after kill() the client errors, after restart() it works on the same port', async () => {
    const redis = client(handle.url)
    await redis.set('k', 'v')
    await handle.kill()
    await expect(redis.get('k')).rejects.toThrow()
    await handle.restart()
    const fresh = client(handle.url)
    expect(await fresh.set('k2', 'v2')).toBe('OK')
    expect(fresh.options.port).toBe(handle.port)
    redis.disconnect()
    fresh.disconnect()
  })

  test('pause() makes a command time out and resume() recovers it', async () => {
    const redis = client(handle.url, 500)
    await redis.ping()
    await handle.pause()
    try {
      await expect(redis.ping()).rejects.toThrow(/timed out/i)
    } finally {
      await handle.resume()
    }
    expect(await redis.ping()).toBe('PONG')
    redis.disconnect()
  })

  test('logs() returns the tail of the server log', async () => {
    expect(await handle.logs(5)).toMatch(/Ready to accept connections|Server initialized|redis/i)
  })
})

describe('startRedis() in a long run', () => {
  test('start/stop cycles leave the exit watchdog and the temp dir as they were', async () => {
    // A temp dir of our own: other processes on the machine make faultline-* dirs too.
    const temp = mkdtempSync(join(tmpdir(), 'faultline-redis-cycles-'))
    vi.stubEnv('TMPDIR', temp)
    try {
      const before = trackedCounts()
      for (let cycle = 0; cycle < 8; cycle += 1) {
        const handle = await startRedis({ provider: 'local', log: () => undefined })
        await handle.kill()
        await handle.restart()
        await handle.stop()
      }
      expect(trackedCounts()).toEqual(before)
      expect(readdirSync(temp)).toEqual([])
    } finally {
      vi.unstubAllEnvs()
      rmSync(temp, { recursive: true, force: true })
    }
  })
})
