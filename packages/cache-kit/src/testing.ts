/**
 * Test helpers: `import { cacheStoreContract } from '@faultline/cache-kit/testing'`.
 * The contract suites let a third party check a `CacheStore` or `InvalidationBus` adapter against
 * the guarantees the cache relies on; they import `vitest` (an optional peer dependency), so only
 * test code should import this module.
 */
export { cacheStoreContract } from './testing/cache-store-contract.js'
export type { StoreFixture } from './testing/cache-store-contract.js'
export { invalidationBusContract } from './testing/invalidation-bus-contract.js'
export type { BusFixture } from './testing/invalidation-bus-contract.js'
export { createManualClock } from './testing/manual-clock.js'
export type { ManualClock } from './testing/manual-clock.js'
