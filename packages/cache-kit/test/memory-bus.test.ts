// The assertions live in the exported contract suite this file runs against one adapter.
import { createMemoryBusHub } from '@faultline/cache-kit'
import { invalidationBusContract } from '@faultline/cache-kit/testing'

invalidationBusContract('memory', async () => {
  const hub = createMemoryBusHub()
  const busA = hub.createBus()
  const busB = hub.createBus()
  return Promise.resolve({
    a: busA,
    b: busB,
    async dropB() {
      busB.disconnect()
      // The memory bus stands for a client that reconnects on its own a moment later.
      setTimeout(() => busB.reconnect(), 50)
      return Promise.resolve()
    },
    close: async () => (await busA.close(), await busB.close()),
  })
})
