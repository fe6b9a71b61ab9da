/**
 * Test helpers: `import { consumerStoreContract, withFaultHook } from '@faultline/sync-kit/testing'`.
 * The contract suites let a third party check an `EventPublisher`, `EventConsumer` or
 * `ConsumerStore` adapter against the guarantees the relays and the consumer rely on; they import
 * `vitest` (an optional peer dependency), so only test code should import this module.
 */
export { withFaultHook } from './relay/faults.js'
export type { FaultHook, FaultPoint } from './relay/faults.js'
export { eventPublisherContract } from './testing/event-publisher-contract.js'
export type { PublisherHarness } from './testing/event-publisher-contract.js'
export { eventConsumerContract } from './testing/event-consumer-contract.js'
export type { EventConsumerHarness } from './testing/event-consumer-contract.js'
export { consumerStoreContract } from './testing/consumer-store-contract.js'
