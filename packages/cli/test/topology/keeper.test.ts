import type { TopologyHandle } from '@faultline/topology'
import { describe, expect, test } from 'vitest'
import { TopologyKeeper } from '../../src/targets/topology/keeper.js'

function fakeHandle(): TopologyHandle & { stops: number } {
  const handle = {
    stops: 0,
    stop() {
      handle.stops++
      return Promise.resolve()
    },
  }
  return handle as unknown as TopologyHandle & { stops: number }
}

describe('TopologyKeeper (run --keep-up)', () => {
  test('keeps the last topology a run started and stops the one kept before it', async () => {
    const keeper = new TopologyKeeper()
    const first = fakeHandle()
    const second = fakeHandle()
    await keeper.keep(first)
    await keeper.keep(second)
    expect(first.stops).toBe(1)
    expect(second.stops).toBe(0)
    expect(keeper.take()).toBe(second)
    expect(keeper.take()).toBeUndefined()
  })

  test('keeping the same topology twice does not stop it', async () => {
    const keeper = new TopologyKeeper()
    const handle = fakeHandle()
    await keeper.keep(handle)
    await keeper.keep(handle)
    expect(handle.stops).toBe(0)
  })
})
