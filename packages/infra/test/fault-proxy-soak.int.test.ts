import { describe, expect, test } from 'vitest'
import { checkFlat, sampleProcess } from '@faultline/infra'
import { until } from './conditions.js'
import { source, TestClient, useProxyRig } from './fault-proxy.helpers.js'

const rig = useProxyRig()

const CYCLES = 30
const CONNECTIONS_PER_CYCLE = 20

/** Active timers of this process (`Timeout` entries of `getActiveResourcesInfo()`). */
function timers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length
}

/** A client that reads the server's 100 bytes and closes when the server does. */
async function oneConnection(port: number): Promise<void> {
  const client = await TestClient.connect(port)
  await client.settled(100)
  expect(await client.closedWithin()).toBe(true)
  expect(client.received.length).toBe(100)
}

describe('FaultProxy in a long run', () => {
  // Each connection takes a toxic that arms a timer (timeout closes after timeoutMs) and then
  // ends cleanly: the server sends its bytes and closes, the client closes too.
  test('connections that end cleanly leave no timer, connection or memory behind', async () => {
    const { proxy } = await rig.setup(source(100))
    await proxy.addToxic({
      type: 'timeout',
      stream: 'upstream',
      attributes: { timeoutMs: 600_000 },
    })
    const before = timers()
    const heap: number[] = []
    const active: number[] = []
    for (let cycle = 0; cycle < CYCLES; cycle += 1) {
      await Promise.all(
        Array.from({ length: CONNECTIONS_PER_CYCLE }, () => oneConnection(proxy.port)),
      )
      await until('every pair closed', () => proxy.connections() === 0)
      const sample = sampleProcess()
      heap.push(sample.heapBytes)
      active.push(sample.activeResources)
    }
    const verdicts = [
      checkFlat('heap after GC', heap, { maxRelativeGrowth: 0.1, skip: 5 }),
      checkFlat('active resources', active, {
        maxRelativeGrowth: 0,
        absoluteTolerance: 3,
        skip: 5,
      }),
    ]
    for (const verdict of verdicts) console.info(verdict.summary)
    for (const verdict of verdicts) expect(verdict.flat, verdict.summary).toBe(true)
    await proxy.close()
    // Nothing the proxy armed may keep the process alive after close().
    expect(timers()).toBeLessThanOrEqual(before + 2)
  })
})
