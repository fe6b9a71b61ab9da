/**
 * Redis adapters: `import { createRedisStore, createRedisBus } from '@faultline/cache-kit/redis'`.
 * Needs `ioredis` (an optional peer dependency); the package root never loads it.
 */
export { createRedisStore } from './adapters/redis-store.js'
export type { RedisStore, RedisStoreOptions } from './adapters/redis-store.js'
export { createRedisBus } from './adapters/redis-bus.js'
export type { RedisBus, RedisBusOptions } from './adapters/redis-bus.js'
export type { RedisConnectionOptions } from './adapters/redis-client.js'
