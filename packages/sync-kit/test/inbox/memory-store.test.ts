// The assertions live in the exported contract suite this file runs against one adapter.
import { createMemoryConsumerStore } from '../../src/adapters/memory-consumer-store.js'
import { consumerStoreContract } from '@faultline/sync-kit/testing'

consumerStoreContract('MemoryConsumerStore', () => createMemoryConsumerStore())
