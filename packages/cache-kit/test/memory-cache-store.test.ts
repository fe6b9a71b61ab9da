import { createMemoryCacheStore } from '@faultline/cache-kit'
import { cacheStoreContract, createManualClock } from '@faultline/cache-kit/testing'

cacheStoreContract('memory', async () => {
  const clock = createManualClock()
  const store = createMemoryCacheStore({ clock })
  return Promise.resolve({
    store,
    now: () => clock.now(),
    elapse: (ms: number) => Promise.resolve(clock.advance(ms)),
    close: () => store.close(),
  })
})
