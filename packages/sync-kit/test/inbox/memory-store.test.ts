import { createMemoryConsumerStore } from '../../src/adapters/memory-consumer-store.js'
import { consumerStoreContract } from '@faultline/sync-kit/testing'

consumerStoreContract('MemoryConsumerStore', () => createMemoryConsumerStore())
