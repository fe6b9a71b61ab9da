import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import type { ReadThroughCache } from '@faultline/cache-kit'
import type { ReplicaRouter } from '@faultline/cache-kit/postgres'
import type { LossyBus } from './bus-faults.js'
import type { ChangeConsumer } from './change-consumer.js'

/** What the ops routes report on and act on. */
export interface QueryOpsDeps {
  readonly instance: string
  readonly cache: ReadThroughCache
  readonly router: ReplicaRouter
  readonly consumer: ChangeConsumer
  readonly bus: LossyBus
  readonly redisUrl: string
  readonly busConnectionName: string
}

/** Kills this instance's pub/sub connection on the Redis server (`CLIENT KILL ID`), by its name. */
async function killBusConnection(redisUrl: string, name: string): Promise<number> {
  const admin = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
  admin.on('error', () => undefined)
  try {
    await admin.connect()
    const list = (await admin.call('CLIENT', 'LIST')) as string
    const ids = list
      .split('\n')
      .filter((line) => line.includes(` name=${name} `))
      .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1])
      .filter((id): id is string => id !== undefined)
    for (const id of ids) await admin.call('CLIENT', 'KILL', 'ID', id)
    return ids.length
  } finally {
    admin.disconnect()
  }
}

/** `GET /ops/state`: this instance's cache, router and change-stream counters. */
export function registerQueryOps(app: FastifyInstance, deps: QueryOpsDeps): void {
  app.get('/ops/state', () => {
    const stats = deps.cache.stats()
    return {
      service: 'catalog-query',
      instance: deps.instance,
      cache: {
        hits: stats.hits,
        l1Hits: stats.l1Hits,
        l2Hits: stats.l2Hits,
        misses: stats.misses,
        stale: stats.staleServed,
        busState: stats.busState,
        fillsRejected: stats.fillsRejected,
      },
      changesApplied: deps.consumer.applied(),
      busMessagesDropped: deps.bus.dropped,
      router: deps.router.stats(),
    }
  })
}

/**
 * `POST /ops/test/bus` (only with `testHooks`): `{ drop }` starts or stops losing incoming bus
 * messages; `{ kill: true }` kills the pub/sub connection on the server, as a network fault would;
 * `{ skipChanges }` starts or stops ignoring the change stream (with `drop`, nothing invalidates
 * this node's L1: the defence switched off, for checker tests).
 */
export function registerQueryTestHooks(app: FastifyInstance, deps: QueryOpsDeps): void {
  app.post<{ Body: { drop?: boolean; kill?: boolean; skipChanges?: boolean } }>(
    '/ops/test/bus',
    {
      schema: {
        body: {
          type: 'object',
          properties: {
            drop: { type: 'boolean' },
            kill: { type: 'boolean' },
            skipChanges: { type: 'boolean' },
          },
        },
      },
    },
    async (request) => {
      if (request.body.drop !== undefined) deps.bus.setDropping(request.body.drop)
      if (request.body.skipChanges !== undefined)
        deps.consumer.setSkipping(request.body.skipChanges)
      const killed =
        request.body.kill === true
          ? await killBusConnection(deps.redisUrl, deps.busConnectionName)
          : 0
      return { killed, dropped: deps.bus.dropped }
    },
  )
}
