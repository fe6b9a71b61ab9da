import type { RedisHandle } from '../types.js'
import { findBinary } from '../local/binaries.js'
import { freePort } from '../local/free-port.js'
import { LocalServer } from '../local/local-server.js'
import { ServerProcess, withPortRetry } from '../local/server-process.js'
import { withServerDir } from '../local/temp-dir.js'
import { redisAnswers } from './redis-ping.js'

const HOST = '127.0.0.1'

function redisServer(binary: string, dir: string, port: number): LocalServer {
  return new LocalServer({
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
}

/** Starts `redis-server` on a free loopback port with persistence off. */
export async function startLocalRedis(): Promise<RedisHandle> {
  const binary = findBinary('redis-server', {
    debianPackage: 'redis-server',
    envVars: ['FAULTLINE_REDIS_URL'],
  })
  return withServerDir('redis', (dir) =>
    withPortRetry(async () => {
      const server = redisServer(binary, dir, await freePort(HOST))
      await server.start()
      return server
    }),
  )
}
