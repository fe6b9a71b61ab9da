import { createMemoryConsumerStore } from '../../src/inbox/memory-store.js'
import { consumerStoreContract } from './consumer-store.contract.js'

consumerStoreContract('MemoryConsumerStore', () => createMemoryConsumerStore())
