import { createMemoryStore } from '../../src/inbox/memory-store.js'
import { consumerStoreContract } from './consumer-store.contract.js'

consumerStoreContract('MemoryStore', () => createMemoryStore())
