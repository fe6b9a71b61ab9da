import { afterEach, describe, expect, test } from 'vitest'
import { createFaultProxy, type FaultProxy } from '../src/fault-proxy/index.js'
import {
  connectError,
  echo,
  median,
  source,
  startServer,
  TestClient,
  type Behaviour,
  type TestServer,
} from './fault-proxy.helpers.js'

const cleanups: (() => Promise<void> | void)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A test server with a proxy in front, both torn down after the test. */
async function setup(behaviour: Behaviour = echo()): Promise<{
  server: TestServer
  proxy: FaultProxy
}> {
  const server = await startServer(behaviour)
  cleanups.push(() => server.close())
  const proxy = await createFaultProxy({ upstream: `127.0.0.1:${server.port}` })
  cleanups.push(() => proxy.close())
  return { server, proxy }
}

async function connect(port: number): Promise<TestClient> {
  const client = await TestClient.connect(port)
  cleanups.push(() => client.destroy())
  return client
}

async function roundTrips(client: TestClient, count: number): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < count; i++) times.push(await client.roundTrip(`ping-${i}`))
  return times
}

describe('FaultProxy', () => {
  test('forwards bytes both ways unchanged with no toxic', async () => {
    const { proxy } = await setup()
    const client = await connect(proxy.port)
    const payload = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251))
    client.socket.write(payload)
    expect(await client.waitFor(payload.length, 5_000)).toBe(true)
    expect(client.received.equals(payload)).toBe(true)
    expect(proxy.url).toBe(`127.0.0.1:${proxy.port}`)
    expect(proxy.connections()).toBe(1)
  })

  test('a client half-close reaches upstream and the full reply still comes back', async () => {
    const { proxy } = await setup()
    await proxy.addToxic({ type: 'latency', stream: 'downstream', attributes: { latencyMs: 100 } })
    const client = await connect(proxy.port)
    const payload = Buffer.alloc(50_000, 9)
    client.socket.end(payload)
    expect(await client.closedWithin(3_000)).toBe(true)
    expect(client.received.length).toBe(payload.length)
    expect(client.error).toBeUndefined()
  })

  test('down then up rejects cleanly if the port was taken, and recovers once it is free', async () => {
    const { proxy } = await setup()
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

  test('latency adds at least latencyMs to the median of 50 round trips', async () => {
    const { proxy } = await setup()
    const client = await connect(proxy.port)
    const baseline = median(await roundTrips(client, 20))
    await proxy.addToxic({ type: 'latency', stream: 'downstream', attributes: { latencyMs: 40 } })
    const times = await roundTrips(client, 50)
    const p50 = median(times)
    console.info(
      `latency 40 ms: baseline p50 ${baseline.toFixed(1)} ms, toxic p50 ${p50.toFixed(1)} ms`,
    )
    expect(p50).toBeGreaterThanOrEqual(40)
    expect(p50).toBeLessThan(40 + 150)
    expect(Math.min(...times)).toBeGreaterThanOrEqual(39)
  })

  test('latency jitter spreads delays around latencyMs', async () => {
    const { proxy } = await setup()
    await proxy.addToxic({
      type: 'latency',
      stream: 'upstream',
      attributes: { latencyMs: 60, jitterMs: 50 },
    })
    const client = await connect(proxy.port)
    const times = await roundTrips(client, 30)
    console.info(
      `latency 60±50 ms: min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}`,
    )
    expect(Math.min(...times)).toBeLessThan(45)
    expect(Math.max(...times)).toBeGreaterThan(75)
  })

  test('upstream latency delays client→server only; downstream delays server→client', async () => {
    const { proxy } = await setup(echo('hi'))
    await proxy.addToxic({ type: 'latency', stream: 'upstream', attributes: { latencyMs: 300 } })
    const start = performance.now()
    const up = await connect(proxy.port)
    expect(await up.waitFor(2, 2_000)).toBe(true)
    const greeting = performance.now() - start
    const trip = await up.roundTrip()
    await proxy.removeToxic('latency_upstream')
    await proxy.addToxic({ type: 'latency', stream: 'downstream', attributes: { latencyMs: 300 } })
    const start2 = performance.now()
    const down = await connect(proxy.port)
    expect(await down.waitFor(2, 2_000)).toBe(true)
    const greeting2 = performance.now() - start2
    console.info(
      `direction: upstream toxic greeting ${greeting.toFixed(0)} ms / echo ${trip.toFixed(0)} ms; downstream toxic greeting ${greeting2.toFixed(0)} ms`,
    )
    expect(greeting).toBeLessThan(200)
    expect(trip).toBeGreaterThanOrEqual(300)
    expect(greeting2).toBeGreaterThanOrEqual(300)
  })

  test('reset_peer resets the client (ECONNRESET) after timeoutMs', async () => {
    const { proxy } = await setup()
    await proxy.addToxic({
      type: 'reset_peer',
      stream: 'downstream',
      attributes: { timeoutMs: 300 },
    })
    const client = await connect(proxy.port)
    const start = performance.now()
    client.socket.write('hello')
    expect(await client.closedWithin(3_000)).toBe(true)
    const elapsed = (client.endedAt ?? 0) - start
    console.info(`reset_peer 300 ms: ${client.error?.code} after ${elapsed.toFixed(0)} ms`)
    expect(client.error?.code).toBe('ECONNRESET')
    expect(elapsed).toBeGreaterThanOrEqual(290)
    expect(client.received.length).toBe(0)
  })

  test('timeout blackholes data, then closes the connection after timeoutMs', async () => {
    const { proxy, server } = await setup()
    await proxy.addToxic({ type: 'timeout', stream: 'upstream', attributes: { timeoutMs: 800 } })
    const client = await connect(proxy.port)
    const start = performance.now()
    client.socket.write('hello')
    expect(await client.waitFor(1, 600)).toBe(false)
    expect(server.received[0] ?? 0).toBe(0)
    expect(await client.closedWithin(3_000)).toBe(true)
    const elapsed = (client.endedAt ?? 0) - start
    console.info(`timeout 800 ms: nothing delivered, closed after ${elapsed.toFixed(0)} ms`)
    expect(elapsed).toBeGreaterThanOrEqual(780)
    expect(client.error).toBeUndefined()
  })

  test('timeout 0 holds data until the toxic is removed from the live connection', async () => {
    const { proxy } = await setup()
    const client = await connect(proxy.port)
    await client.roundTrip()
    await proxy.addToxic({ type: 'timeout', stream: 'downstream', attributes: { timeoutMs: 0 } })
    client.socket.write('held')
    expect(await client.waitFor(8, 1_000)).toBe(false)
    expect(client.endedAt).toBeUndefined()
    await proxy.removeToxic('timeout_downstream')
    expect(await client.waitFor(8, 2_000)).toBe(true)
    expect(client.received.toString()).toBe('pingheld')
  })

  test('timeout applies backpressure instead of buffering without bound', async () => {
    let accepted = 0
    const { proxy } = await setup((socket) => {
      const chunk = Buffer.alloc(64 * 1024)
      const pump = (): void => {
        while (accepted < 256 * 1024 * 1024 && socket.write(chunk)) accepted += chunk.length
      }
      socket.on('drain', pump)
      pump()
    })
    await proxy.addToxic({ type: 'timeout', stream: 'downstream', attributes: { timeoutMs: 0 } })
    await connect(proxy.port)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    console.info(`timeout 0 backpressure: upstream could write ${(accepted / 1e6).toFixed(1)} MB`)
    expect(accepted).toBeLessThan(32 * 1024 * 1024)
  })

  test('bandwidth caps downstream throughput at rateKBps within 20%', async () => {
    const { proxy } = await setup(source(200_000))
    await proxy.addToxic({ type: 'bandwidth', stream: 'downstream', attributes: { rateKBps: 100 } })
    const start = performance.now()
    const client = await connect(proxy.port)
    expect(await client.waitFor(200_000, 10_000)).toBe(true)
    const seconds = (performance.now() - start) / 1000
    const rate = 200 / seconds
    console.info(
      `bandwidth 100 KB/s downstream: 200 KB in ${seconds.toFixed(2)} s = ${rate.toFixed(1)} KB/s`,
    )
    expect(rate).toBeGreaterThan(80)
    expect(rate).toBeLessThan(120)
  })

  test('bandwidth on upstream caps client→server throughput', async () => {
    const { proxy, server } = await setup(() => undefined)
    await proxy.addToxic({ type: 'bandwidth', stream: 'upstream', attributes: { rateKBps: 100 } })
    const client = await connect(proxy.port)
    const start = performance.now()
    client.socket.write(Buffer.alloc(150_000, 1))
    while ((server.received[0] ?? 0) < 150_000 && performance.now() - start < 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const seconds = (performance.now() - start) / 1000
    const rate = (server.received[0] ?? 0) / 1000 / seconds
    console.info(`bandwidth 100 KB/s upstream: ${rate.toFixed(1)} KB/s`)
    expect(rate).toBeGreaterThan(80)
    expect(rate).toBeLessThan(120)
  })

  test('slicer delivers the same bytes in many small chunks', async () => {
    const { proxy } = await setup()
    await proxy.addToxic({
      type: 'slicer',
      stream: 'downstream',
      attributes: { averageSize: 100, sizeVariation: 50, delayUs: 2_000 },
    })
    const client = await connect(proxy.port)
    const payload = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 253))
    client.socket.write(payload)
    expect(await client.waitFor(payload.length, 10_000)).toBe(true)
    const sizes = client.chunks.map((chunk) => chunk.size)
    console.info(
      `slicer 100±50 B: ${sizes.length} chunks, median ${median(sizes)} B, max ${Math.max(...sizes)} B`,
    )
    expect(client.received.equals(payload)).toBe(true)
    expect(sizes.length).toBeGreaterThanOrEqual(30)
    expect(median(sizes)).toBeLessThanOrEqual(300)
  })

  test('limit_data passes exactly N bytes, then closes the connection', async () => {
    const { proxy } = await setup()
    await proxy.addToxic({ type: 'limit_data', stream: 'downstream', attributes: { bytes: 1_000 } })
    const client = await connect(proxy.port)
    client.socket.write(Buffer.alloc(5_000, 3))
    expect(await client.closedWithin(3_000)).toBe(true)
    console.info(`limit_data 1000: client got ${client.received.length} bytes, then close`)
    expect(client.received.length).toBe(1_000)
  })

  test('down refuses and drops connections; up listens again on the same port', async () => {
    const { proxy } = await setup()
    const port = proxy.port
    const live = await connect(port)
    await live.roundTrip()
    await proxy.setDown(true)
    expect(proxy.isDown).toBe(true)
    expect(await live.closedWithin(2_000)).toBe(true)
    expect(await connectError(port)).toBe('ECONNREFUSED')
    await proxy.setDown(false)
    expect(proxy.port).toBe(port)
    const again = await connect(port)
    expect(await again.roundTrip()).toBeLessThan(1_000)
  })

  test('a down toxic behaves like setDown while present', async () => {
    const { proxy } = await setup()
    await proxy.addToxic({ type: 'down', attributes: {} })
    expect(await connectError(proxy.port)).toBe('ECONNREFUSED')
    await proxy.removeToxic('down_downstream')
    expect(await connectError(proxy.port)).toBeUndefined()
  })

  test('toxicity 0 never applies and toxicity 1 always applies, per connection', async () => {
    const { proxy } = await setup()
    const name = await proxy.addToxic({
      type: 'latency',
      stream: 'downstream',
      toxicity: 0,
      attributes: { latencyMs: 250 },
    })
    const trips = async (): Promise<number[]> =>
      Promise.all(Array.from({ length: 10 }, async () => (await connect(proxy.port)).roundTrip()))
    const never = await trips()
    await proxy.updateToxic(name, { toxicity: 1 })
    const always = await trips()
    console.info(
      `toxicity 0 max ${Math.max(...never).toFixed(0)} ms; toxicity 1 min ${Math.min(...always).toFixed(0)} ms`,
    )
    expect(Math.max(...never)).toBeLessThan(200)
    expect(Math.min(...always)).toBeGreaterThanOrEqual(250)
  })

  test('toxicity 0.5 poisons some connections and spares others', async () => {
    const { proxy } = await setup()
    await proxy.addToxic({
      type: 'latency',
      stream: 'downstream',
      toxicity: 0.5,
      attributes: { latencyMs: 300 },
    })
    const clients = await Promise.all(Array.from({ length: 30 }, () => connect(proxy.port)))
    const times = await Promise.all(clients.map((client) => client.roundTrip()))
    const poisoned = times.filter((time) => time >= 300).length
    console.info(`toxicity 0.5: ${poisoned}/30 connections delayed`)
    // Binomial(30, 0.5) falls outside 3..27 with probability below 1e-6.
    expect(poisoned).toBeGreaterThanOrEqual(3)
    expect(poisoned).toBeLessThanOrEqual(27)
  })

  test('adding, updating and removing a toxic changes a live connection', async () => {
    const { proxy } = await setup()
    const client = await connect(proxy.port)
    const before = median(await roundTrips(client, 5))
    const name = await proxy.addToxic({
      type: 'latency',
      stream: 'upstream',
      attributes: { latencyMs: 150 },
    })
    const during = median(await roundTrips(client, 5))
    await proxy.updateToxic(name, { attributes: { latencyMs: 400 } })
    const updated = median(await roundTrips(client, 3))
    await proxy.removeToxic(name)
    const after = median(await roundTrips(client, 5))
    console.info(
      `live: before ${before.toFixed(0)}, +150 ${during.toFixed(0)}, →400 ${updated.toFixed(0)}, removed ${after.toFixed(0)} ms`,
    )
    expect(during).toBeGreaterThanOrEqual(150)
    expect(updated).toBeGreaterThanOrEqual(400)
    expect(after).toBeLessThan(100)
    expect(before).toBeLessThan(100)
  })

  test('upstream refusing closes the client connection and the proxy stays up', async () => {
    const spare = await startServer(echo())
    const port = spare.port
    await spare.close()
    const proxy = await createFaultProxy({ upstream: `127.0.0.1:${port}` })
    cleanups.push(() => proxy.close())
    const client = await connect(proxy.port)
    expect(await client.closedWithin(2_000)).toBe(true)
    expect(await connectError(proxy.port)).toBeUndefined()
  })

  test('resets from either side do not crash the proxy', async () => {
    const { proxy } = await setup((socket, index) => {
      socket.pipe(socket)
      if (index === 1) socket.on('data', () => socket.resetAndDestroy())
    })
    const first = await connect(proxy.port)
    await first.roundTrip()
    first.socket.resetAndDestroy()
    const second = await connect(proxy.port)
    second.socket.write('boom')
    expect(await second.closedWithin(2_000)).toBe(true)
    const third = await connect(proxy.port)
    expect(await third.roundTrip()).toBeLessThan(1_000)
  })

  test('a client disconnect ends its upstream connection too', async () => {
    let upstreamClosed = 0
    const { proxy } = await setup((socket) => {
      socket.pipe(socket)
      socket.on('close', () => upstreamClosed++)
    })
    await proxy.addToxic({ type: 'timeout', stream: 'downstream', attributes: { timeoutMs: 0 } })
    const clients = await Promise.all([connect(proxy.port), connect(proxy.port)])
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(proxy.connections()).toBe(2)
    clients[0]?.destroy()
    clients[1]?.socket.resetAndDestroy()
    const deadline = performance.now() + 3_000
    while ((proxy.connections() > 0 || upstreamClosed < 2) && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(proxy.connections()).toBe(0)
    expect(upstreamClosed).toBe(2)
  })

  test('close() ends every socket and frees the port', async () => {
    const { proxy } = await setup()
    const clients = await Promise.all([connect(proxy.port), connect(proxy.port)])
    await Promise.all(clients.map((client) => client.roundTrip()))
    expect(proxy.connections()).toBe(2)
    await proxy.close()
    for (const client of clients) expect(await client.closedWithin(2_000)).toBe(true)
    expect(await connectError(proxy.port)).toBe('ECONNREFUSED')
  })
})
