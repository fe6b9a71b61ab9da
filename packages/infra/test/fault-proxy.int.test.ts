import { describe, expect, test } from 'vitest'
import { createFaultProxy } from '../src/fault-proxy/index.js'
import { until } from './conditions.js'
import {
  connectError,
  echo,
  startServer,
  useProxyRig,
  type TestClient,
} from './fault-proxy.helpers.js'

const rig = useProxyRig()

/** Sends `payload` and waits until it came back in full or the proxy closed the connection. */
async function echoOrClose(client: TestClient, payload: string): Promise<'echoed' | 'cut'> {
  client.socket.write(payload)
  await client.settled(payload.length)
  return client.received.length === payload.length ? 'echoed' : 'cut'
}

describe('FaultProxy', () => {
  test('forwards bytes both ways unchanged with no toxic', async () => {
    const { proxy } = await rig.setup()
    const client = await rig.connect(proxy.port)
    const payload = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251))
    client.socket.write(payload)
    await client.settled(payload.length)
    expect(client.received.equals(payload)).toBe(true)
    expect(proxy.url).toBe(`127.0.0.1:${proxy.port}`)
    expect(proxy.connections()).toBe(1)
  })

  test('a client half-close reaches upstream and the full reply still comes back', async () => {
    const { proxy } = await rig.setup()
    await proxy.addToxic({ type: 'latency', stream: 'downstream', attributes: { latencyMs: 100 } })
    const client = await rig.connect(proxy.port)
    const payload = Buffer.alloc(50_000, 9)
    client.socket.end(payload)
    expect(await client.closedWithin()).toBe(true)
    expect(client.received.length).toBe(payload.length)
    expect(client.error).toBeUndefined()
  })

  test('down then up rejects cleanly if the port was taken, and recovers once it is free', async () => {
    const { proxy } = await rig.setup()
    const port = proxy.port
    await proxy.setDown(true)
    // The kernel picks ports freely, so take this exact one with a second proxy instead.
    const thief = await createFaultProxy({ upstream: '127.0.0.1:9', listenPort: port })
    await expect(proxy.setDown(false)).rejects.toMatchObject({ code: 'E_INFRA_PORT_IN_USE' })
    expect(proxy.isDown).toBe(true)
    await thief.close()
    await proxy.setDown(false)
    expect(await connectError(port)).toBeUndefined()
  })

  test('down refuses and drops connections; up listens again on the same port', async () => {
    const { proxy } = await rig.setup()
    const port = proxy.port
    const live = await rig.connect(port)
    await live.roundTrip()
    await proxy.setDown(true)
    expect(proxy.isDown).toBe(true)
    expect(await live.closedWithin()).toBe(true)
    expect(await connectError(port)).toBe('ECONNREFUSED')
    await proxy.setDown(false)
    expect(proxy.port).toBe(port)
    const again = await rig.connect(port)
    await again.roundTrip()
    expect(again.received.toString()).toBe('ping')
  })

  test('a down toxic behaves like setDown while present', async () => {
    const { proxy } = await rig.setup()
    await proxy.addToxic({ type: 'down', attributes: {} })
    expect(await connectError(proxy.port)).toBe('ECONNREFUSED')
    await proxy.removeToxic('down_downstream')
    expect(await connectError(proxy.port)).toBeUndefined()
  })

  // limit_data makes poisoning visible in the bytes themselves (cut after 2 instead of echoed in
  // full), so no clock decides which connections a toxic took hold of.
  test('toxicity 0 never applies and toxicity 1 always applies, per connection', async () => {
    const { proxy } = await rig.setup()
    const name = await proxy.addToxic({
      type: 'limit_data',
      stream: 'downstream',
      toxicity: 0,
      attributes: { bytes: 2 },
    })
    const outcomes = async (): Promise<string[]> =>
      Promise.all(
        Array.from({ length: 10 }, async () =>
          echoOrClose(await rig.connect(proxy.port), 'ping-ping'),
        ),
      )
    expect(await outcomes()).toEqual(Array(10).fill('echoed'))
    await proxy.updateToxic(name, { toxicity: 1 })
    expect(await outcomes()).toEqual(Array(10).fill('cut'))
  })

  test('toxicity 0.5 poisons some connections and spares others', async () => {
    const { proxy } = await rig.setup()
    await proxy.addToxic({
      type: 'limit_data',
      stream: 'downstream',
      toxicity: 0.5,
      attributes: { bytes: 2 },
    })
    const clients = await Promise.all(Array.from({ length: 30 }, () => rig.connect(proxy.port)))
    const outcomes = await Promise.all(clients.map((client) => echoOrClose(client, 'ping-ping')))
    const poisoned = outcomes.filter((outcome) => outcome === 'cut').length
    console.info(`toxicity 0.5: ${poisoned}/30 connections cut`)
    // Binomial(30, 0.5) falls outside 3..27 with probability below 1e-6.
    expect(poisoned).toBeGreaterThanOrEqual(3)
    expect(poisoned).toBeLessThanOrEqual(27)
  })

  test('upstream refusing closes the client connection and the proxy stays up', async () => {
    const spare = await startServer(echo())
    const port = spare.port
    await spare.close()
    const proxy = await createFaultProxy({ upstream: `127.0.0.1:${port}` })
    rig.defer(() => proxy.close())
    const client = await rig.connect(proxy.port)
    expect(await client.closedWithin()).toBe(true)
    expect(await connectError(proxy.port)).toBeUndefined()
  })

  test('resets from either side do not crash the proxy', async () => {
    const { proxy } = await rig.setup((socket, index) => {
      socket.pipe(socket)
      if (index === 1) socket.on('data', () => socket.resetAndDestroy())
    })
    const first = await rig.connect(proxy.port)
    await first.roundTrip()
    first.socket.resetAndDestroy()
    const second = await rig.connect(proxy.port)
    second.socket.write('boom')
    expect(await second.closedWithin()).toBe(true)
    const third = await rig.connect(proxy.port)
    await third.roundTrip()
    expect(third.received.toString()).toBe('ping')
  })

  test('a client disconnect ends its upstream connection too', async () => {
    let upstreamClosed = 0
    const { proxy } = await rig.setup((socket) => {
      socket.pipe(socket)
      socket.on('close', () => upstreamClosed++)
    })
    await proxy.addToxic({ type: 'timeout', stream: 'downstream', attributes: { timeoutMs: 0 } })
    const clients = await Promise.all([rig.connect(proxy.port), rig.connect(proxy.port)])
    await until('both connections accepted', () => proxy.connections() === 2)
    clients[0]?.destroy()
    clients[1]?.socket.resetAndDestroy()
    await until('both pairs closed', () => proxy.connections() === 0 && upstreamClosed === 2)
  })

  test('close() ends every socket and frees the port', async () => {
    const { proxy } = await rig.setup()
    const clients = await Promise.all([rig.connect(proxy.port), rig.connect(proxy.port)])
    await Promise.all(clients.map((client) => client.roundTrip()))
    expect(proxy.connections()).toBe(2)
    await proxy.close()
    for (const client of clients) expect(await client.closedWithin()).toBe(true)
    expect(await connectError(proxy.port)).toBe('ECONNREFUSED')
  })
})
