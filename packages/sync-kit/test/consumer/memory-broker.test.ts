// The assertions live in the exported contract suite this file runs against one adapter.
import { createMemoryBroker } from '../../src/adapters/memory-broker.js'
import { eventConsumerContract } from '@faultline/sync-kit/testing'

eventConsumerContract('MemoryEventConsumer', () => {
  const broker = createMemoryBroker({ partitions: 2 })
  let n = 0
  return {
    make: () => broker.consumer(),
    topic: () => Promise.resolve(`t${n++}`),
    produce: async (topic, key, count) => {
      const start = broker.messages(topic).filter((m) => m.key === key).length
      await broker.publish(
        Array.from({ length: count }, (_, i) => ({
          topic,
          key,
          value: Buffer.from(`${key}-${start + i}`),
          headers: {},
        })),
      )
    },
    timeoutMs: 5_000,
  }
})
