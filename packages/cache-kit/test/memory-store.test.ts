import { createManualClock, createMemoryStore } from '@faultline/cache-kit'
import { cacheStoreContract } from './contracts/cache-store.contract.js'

cacheStoreContract('memory', async () => {
  const clock = createManualClock()
  const store = createMemoryStore({ clock })
  return Promise.resolve({
    store,
    now: () => clock.now(),
    elapse: (ms: number) => Promise.resolve(clock.advance(ms)),
    close: () => store.close(),
  })
})
