import { createServer } from 'node:net'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { InfraError } from '@faultline/infra'
import { findBinary } from '../src/local/binaries.js'
import { freePort } from '../src/local/free-port.js'
import { ServerProcess, withPortRetry } from '../src/local/server-process.js'
import { makeServerDir } from '../src/local/temp-dir.js'
import { HANG_MS } from './conditions.js'

function shellServer(script: string): ServerProcess {
  const dir = makeServerDir('unit')
  return new ServerProcess({
    service: 'fake-db',
    command: 'sh',
    args: ['-c', script],
    logFile: join(dir, 'log'),
  })
}

describe('ServerProcess', () => {
  test('a server that exits during startup fails with the last 30 lines of its log', async () => {
    const server = shellServer(
      'for i in $(seq 1 40); do echo "line $i"; done; echo "FATAL: boom"; exit 3',
    )
    server.start()
    const error = await server
      .waitUntilReady(() => Promise.resolve(false), { timeoutMs: HANG_MS })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InfraError)
    expect(error).toMatchObject({ code: 'E_INFRA_STARTUP_FAILED', context: { service: 'fake-db' } })
    const tail = (error as InfraError).context.logTail ?? ''
    expect(tail).toContain('FATAL: boom')
    expect(tail).not.toContain('line 10\n')
    expect(tail.split('\n').length).toBeLessThanOrEqual(31)
    expect((error as Error).message).toContain('FATAL: boom')
  })

  test('a server that never becomes ready is killed and reported with its log', async () => {
    const server = shellServer('echo "starting slowly"; sleep 30')
    server.start()
    await expect(
      server.waitUntilReady(() => Promise.resolve(false), { timeoutMs: 300 }),
    ).rejects.toMatchObject({
      code: 'E_INFRA_STARTUP_TIMEOUT',
    })
    expect(server.running).toBe(false)
  })

  test('a port taken before the server binds it is classified as E_INFRA_PORT_IN_USE', async () => {
    const blocker = createServer()
    const port = await freePort()
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve))
    try {
      const dir = makeServerDir('unit')
      const redis = findBinary('redis-server', { debianPackage: 'redis-server', envVars: [] })
      const server = new ServerProcess({
        service: 'redis',
        command: redis,
        args: ['--port', String(port), '--bind', '127.0.0.1', '--save', ''],
        logFile: join(dir, 'log'),
      })
      server.start()
      await expect(
        server.waitUntilReady(() => Promise.resolve(false), { timeoutMs: HANG_MS, port }),
      ).rejects.toMatchObject({
        code: 'E_INFRA_PORT_IN_USE',
        retryable: true,
      })
    } finally {
      blocker.close()
    }
  })
})

describe('withPortRetry', () => {
  test('retries a port race and gives up on other errors', async () => {
    let calls = 0
    const value = await withPortRetry(() => {
      calls++
      if (calls < 3)
        return Promise.reject(new InfraError('E_INFRA_PORT_IN_USE', 'taken', { retryable: true }))
      return Promise.resolve('bound')
    })
    expect({ value, calls }).toEqual({ value: 'bound', calls: 3 })

    let other = 0
    await expect(
      withPortRetry(() => {
        other++
        return Promise.reject(new InfraError('E_INFRA_STARTUP_FAILED', 'broken'))
      }),
    ).rejects.toMatchObject({ code: 'E_INFRA_STARTUP_FAILED' })
    expect(other).toBe(1)
  })
})
