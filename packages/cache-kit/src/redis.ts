/** Redis adapters: `import { createRedisStore, createRedisBus } from '@faultline/cache-kit/redis'`. */
export { createRedisStore, RedisStore } from './adapters/redis-store.js'
export type { RedisStoreOptions } from './adapters/redis-store.js'
export { createRedisBus, RedisBus } from './adapters/redis-bus.js'
export type { RedisBusOptions } from './adapters/redis-bus.js'
export type { RedisConnectionOptions } from './adapters/redis-client.js'
