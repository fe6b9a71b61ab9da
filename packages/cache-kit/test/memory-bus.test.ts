import { createMemoryBusHub } from '@faultline/cache-kit'
import { invalidationBusContract } from '@faultline/cache-kit/testing'

invalidationBusContract('memory', async () => {
  const hub = createMemoryBusHub()
  const a = hub.createBus()
  const b = hub.createBus()
  return Promise.resolve({
    a,
    b,
    async dropB() {
      b.disconnect()
      // The memory bus stands for a client that reconnects on its own a moment later.
      setTimeout(() => b.reconnect(), 50)
      return Promise.resolve()
    },
    close: async () => (await a.close(), await b.close()),
  })
})
