import { afterEach, describe, expect, test, vi } from 'vitest'
import { chooseProvider, isInfraError, startRedis } from '@faultline/infra'
import { externalPostgres, externalRedis } from '../src/providers/external.js'
import { findBinary } from '../src/local/binaries.js'

afterEach(() => {
  vi.unstubAllEnvs()
})

describe('chooseProvider', () => {
  test('auto picks external when the service env var is set', async () => {
    vi.stubEnv('FAULTLINE_REDIS_URL', 'redis://10.0.0.9:6379')
    expect(await chooseProvider('redis')).toEqual({
      provider: 'external',
      reason: 'FAULTLINE_REDIS_URL is set',
    })
  })

  test('auto falls back to local and says why docker was passed over', async () => {
    vi.stubEnv('FAULTLINE_REDIS_URL', '')
    vi.stubEnv('DOCKER_HOST', '')
    const decision = await chooseProvider('redis')
    if (decision.provider === 'docker') return // a machine with an engine: nothing to prove here
    expect(decision.provider).toBe('local')
    expect(decision.reason).toMatch(/FAULTLINE_REDIS_URL is unset; no Docker engine/)
  })

  test('an explicit provider wins, and FAULTLINE_PROVIDER is read when options say nothing', async () => {
    vi.stubEnv('FAULTLINE_REDIS_URL', 'redis://x:1')
    expect((await chooseProvider('redis', 'local')).provider).toBe('local')
    vi.stubEnv('FAULTLINE_PROVIDER', 'local')
    expect((await chooseProvider('redis')).provider).toBe('local')
  })

  test('an unknown provider name is a clear error', async () => {
    await expect(chooseProvider('kafka', 'kubernetes' as never)).rejects.toMatchObject({
      code: 'E_INFRA_INVALID_OPTION',
      message: expect.stringContaining("Unknown provider 'kubernetes'") as unknown,
    })
  })

  test('startRedis logs the decision through the caller log', async () => {
    vi.stubEnv('FAULTLINE_REDIS_URL', 'redis://user:secret@10.1.2.3:6390')
    const lines: string[] = []
    const handle = await startRedis({ log: (line) => lines.push(line) })
    expect(lines).toEqual([
      "[faultline/infra] redis: provider 'external' (FAULTLINE_REDIS_URL is set)",
    ])
    expect(handle.port).toBe(6390)
  })
})

describe('external provider', () => {
  test('process faults raise E_INFRA_UNSUPPORTED naming the env var, with the password redacted', async () => {
    vi.stubEnv('FAULTLINE_REDIS_URL', 'redis://user:secret@10.1.2.3:6390')
    const redis = externalRedis()
    for (const fault of [
      () => redis.kill(),
      () => redis.pause(),
      () => redis.resume(),
      () => redis.restart(),
    ]) {
      const error: unknown = await fault().catch((e: unknown) => e)
      expect(isInfraError(error) && error.code).toBe('E_INFRA_UNSUPPORTED')
      expect(String((error as Error).message)).toContain('FAULTLINE_REDIS_URL')
      expect(String((error as Error).message)).not.toContain('secret')
    }
    await expect(redis.stop()).resolves.toBeUndefined()
  })

  test('a replica without FAULTLINE_PG_REPLICA_URL is a clear error', () => {
    vi.stubEnv('FAULTLINE_PG_URL', 'postgres://u@db:5432/app')
    vi.stubEnv('FAULTLINE_PG_REPLICA_URL', '')
    expect(() => externalPostgres({ replica: true })).toThrow(/FAULTLINE_PG_REPLICA_URL/)
    expect(externalPostgres({}).replicaUrl).toBeUndefined()
  })
})

describe('findBinary', () => {
  test('a missing binary names the Debian package and the env vars to set instead', () => {
    expect(() =>
      findBinary('no-such-server-binary', {
        debianPackage: 'no-such-pkg',
        envVars: ['FAULTLINE_X_URL'],
      }),
    ).toThrow(/apt-get install no-such-pkg.*FAULTLINE_X_URL/s)
  })
})
