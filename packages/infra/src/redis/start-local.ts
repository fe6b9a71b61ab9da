import type { RedisHandle } from '../types.js'
import { findBinary } from '../local/binaries.js'
import { freePort } from '../local/free-port.js'
import { LocalServer } from '../local/local-server.js'
import { ServerProcess, withPortRetry } from '../local/server-process.js'
import { makeServerDir } from '../local/temp-dir.js'
import { redisAnswers } from './redis-ping.js'

const HOST = '127.0.0.1'

/** Starts `redis-server` on a free loopback port with persistence off. */
export async function startLocalRedis(): Promise<RedisHandle> {
  const binary = findBinary('redis-server', {
    debianPackage: 'redis-server',
    envVars: ['FAULTLINE_REDIS_URL'],
  })
  const dir = makeServerDir('redis')
  return withPortRetry(async () => {
    const port = await freePort(HOST)
    const server = new LocalServer({
      service: 'redis',
      host: HOST,
      port,
      url: `redis://${HOST}:${port}`,
      process: new ServerProcess({
        service: 'redis',
        command: binary,
        args: [
          '--port',
          String(port),
          '--bind',
          HOST,
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
          '--protected-mode',
          'no',
        ],
        logFile: `${dir}/redis.log`,
      }),
      isReady: () => redisAnswers(HOST, port),
      startTimeoutMs: 20_000,
      dirs: [dir],
    })
    await server.start()
    return server
  })
}
