import { describe, expect, test } from 'vitest'
import { until, watchSchedulingDelay } from './conditions.js'
import { echo, median, roundTrips, source, useProxyRig } from './fault-proxy.helpers.js'

const rig = useProxyRig()

/**
 * Lower bounds (a toxic delays at least this long) hold on any machine: load only adds time.
 * Upper bounds add the worst timer lateness seen while measuring (`watchSchedulingDelay`), so a
 * busy machine does not count against the proxy; the exact schedules are unit-tested with fake
 * timers in fault-proxy-toxics.test.ts.
 */
describe('FaultProxy toxics', () => {
  test('latency adds at least latencyMs to the median of 50 round trips', async () => {
    const { proxy } = await rig.setup()
    const client = await rig.connect(proxy.port)
    const baseline = median(await roundTrips(client, 20))
    await proxy.addToxic({ type: 'latency', stream: 'downstream', attributes: { latencyMs: 40 } })
    const lateness = watchSchedulingDelay()
    const times = await roundTrips(client, 50)
    lateness.stop()
    const p50 = median(times)
    console.info(
      `latency 40 ms: baseline p50 ${baseline.toFixed(1)} ms, toxic p50 ${p50.toFixed(1)} ms, timers up to ${lateness.maxMs().toFixed(0)} ms late`,
    )
    expect(p50).toBeGreaterThanOrEqual(40)
    expect(p50).toBeLessThan(40 + 150 + lateness.maxMs())
    expect(Math.min(...times)).toBeGreaterThanOrEqual(39)
  })

  test('latency jitter spreads delays around latencyMs', async () => {
    const { proxy } = await rig.setup()
    await proxy.addToxic({
      type: 'latency',
      stream: 'upstream',
      attributes: { latencyMs: 60, jitterMs: 50 },
    })
    const client = await rig.connect(proxy.port)
    const lateness = watchSchedulingDelay()
    const times = await roundTrips(client, 30)
    lateness.stop()
    const [fastest, slowest] = [Math.min(...times), Math.max(...times)]
    console.info(`latency 60±50 ms: min ${fastest.toFixed(1)}, max ${slowest.toFixed(1)}`)
    // Delays are uniform in 10..110 ms: none of 30 is below 45 with probability 2.5e-6.
    expect(fastest).toBeGreaterThanOrEqual(10)
    expect(fastest).toBeLessThan(45 + lateness.maxMs())
    expect(slowest).toBeGreaterThan(75)
  })

  test('upstream latency delays client→server only; downstream delays server→client', async () => {
    const { proxy } = await rig.setup(echo('hi'))
    await proxy.addToxic({ type: 'latency', stream: 'upstream', attributes: { latencyMs: 300 } })
    const lateness = watchSchedulingDelay()
    const start = performance.now()
    const up = await rig.connect(proxy.port)
    await up.settled(2)
    const greeting = performance.now() - start
    lateness.stop()
    const trip = await up.roundTrip()
    await proxy.removeToxic('latency_upstream')
    await proxy.addToxic({ type: 'latency', stream: 'downstream', attributes: { latencyMs: 300 } })
    const start2 = performance.now()
    const down = await rig.connect(proxy.port)
    await down.settled(2)
    const greeting2 = performance.now() - start2
    console.info(
      `direction: upstream toxic greeting ${greeting.toFixed(0)} ms / echo ${trip.toFixed(0)} ms; downstream toxic greeting ${greeting2.toFixed(0)} ms`,
    )
    expect(greeting).toBeLessThan(200 + lateness.maxMs())
    expect(trip).toBeGreaterThanOrEqual(300)
    expect(greeting2).toBeGreaterThanOrEqual(300)
  })

  test('reset_peer resets the client (ECONNRESET) after timeoutMs', async () => {
    const { proxy } = await rig.setup()
    await proxy.addToxic({
      type: 'reset_peer',
      stream: 'downstream',
      attributes: { timeoutMs: 300 },
    })
    const client = await rig.connect(proxy.port)
    const start = performance.now()
    client.socket.write('hello')
    expect(await client.closedWithin()).toBe(true)
    const elapsed = (client.endedAt ?? 0) - start
    console.info(`reset_peer 300 ms: ${client.error?.code} after ${elapsed.toFixed(0)} ms`)
    expect(client.error?.code).toBe('ECONNRESET')
    expect(elapsed).toBeGreaterThanOrEqual(290)
    expect(client.received.length).toBe(0)
  })

  test('timeout blackholes data, then closes the connection after timeoutMs', async () => {
    const { proxy, server } = await rig.setup()
    await proxy.addToxic({ type: 'timeout', stream: 'upstream', attributes: { timeoutMs: 800 } })
    const client = await rig.connect(proxy.port)
    const start = performance.now()
    client.socket.write('hello')
    expect(await client.closedWithin()).toBe(true)
    const elapsed = (client.endedAt ?? 0) - start
    console.info(`timeout 800 ms: nothing delivered, closed after ${elapsed.toFixed(0)} ms`)
    expect(client.received.length).toBe(0)
    expect(server.received[0] ?? 0).toBe(0)
    expect(elapsed).toBeGreaterThanOrEqual(780)
    expect(client.error).toBeUndefined()
  })

  test('timeout 0 holds data until the toxic is removed from the live connection', async () => {
    const { proxy } = await rig.setup()
    const client = await rig.connect(proxy.port)
    await client.roundTrip()
    await proxy.addToxic({ type: 'timeout', stream: 'downstream', attributes: { timeoutMs: 0 } })
    client.socket.write('held')
    // A round trip through a second, toxic-free proxy lets the held bytes come back if they could.
    const { proxy: clear } = await rig.setup()
    await roundTrips(await rig.connect(clear.port), 5)
    expect(client.received.toString()).toBe('ping')
    expect(client.endedAt).toBeUndefined()
    await proxy.removeToxic('timeout_downstream')
    await client.settled(8)
    expect(client.received.toString()).toBe('pingheld')
  })

  test('timeout applies backpressure instead of buffering without bound', async () => {
    let accepted = 0
    let drains = 0
    let blocked = false
    const { proxy } = await rig.setup((socket) => {
      const chunk = Buffer.alloc(64 * 1024)
      const pump = (): void => {
        while (accepted < 256 * 1024 * 1024) {
          accepted += chunk.length
          if (!socket.write(chunk)) return void (blocked = true)
        }
      }
      socket.on('drain', () => {
        drains += 1
        blocked = false
        pump()
      })
      pump()
    })
    await proxy.addToxic({ type: 'timeout', stream: 'downstream', attributes: { timeoutMs: 0 } })
    await rig.connect(proxy.port)
    await until('the upstream writer blocks', () => blocked)
    // Sized by work, not time: a proxy that kept reading would drain the writer on these turns.
    for (let turn = 0; turn < 5_000; turn += 1) await new Promise(setImmediate)
    console.info(
      `timeout 0 backpressure: upstream could write ${(accepted / 1e6).toFixed(1)} MB (${drains} drains)`,
    )
    expect(accepted).toBeLessThan(32 * 1024 * 1024)
  })

  test('bandwidth caps downstream throughput at rateKBps within 20%', async () => {
    const { proxy } = await rig.setup(source(200_000))
    await proxy.addToxic({ type: 'bandwidth', stream: 'downstream', attributes: { rateKBps: 100 } })
    const lateness = watchSchedulingDelay()
    const start = performance.now()
    const client = await rig.connect(proxy.port)
    await client.settled(200_000)
    const seconds = (performance.now() - start) / 1000
    lateness.stop()
    console.info(
      `bandwidth 100 KB/s downstream: 200 KB in ${seconds.toFixed(2)} s = ${(200 / seconds).toFixed(1)} KB/s`,
    )
    expect(client.received.length).toBe(200_000)
    expect(200 / seconds).toBeLessThan(120)
    // The toxic paces on a timeline that absorbs timer overshoot, so lateness adds only once.
    expect(seconds).toBeLessThan(200 / 80 + lateness.maxMs() / 1000)
  })

  test('bandwidth on upstream caps client→server throughput', async () => {
    const { proxy, server } = await rig.setup(() => undefined)
    await proxy.addToxic({ type: 'bandwidth', stream: 'upstream', attributes: { rateKBps: 100 } })
    const client = await rig.connect(proxy.port)
    const lateness = watchSchedulingDelay()
    const start = performance.now()
    client.socket.write(Buffer.alloc(150_000, 1))
    await until('150 KB upstream', () => (server.received[0] ?? 0) >= 150_000)
    const seconds = (performance.now() - start) / 1000
    lateness.stop()
    console.info(`bandwidth 100 KB/s upstream: ${(150 / seconds).toFixed(1)} KB/s`)
    expect(150 / seconds).toBeLessThan(120)
    expect(seconds).toBeLessThan(150 / 80 + lateness.maxMs() / 1000)
  })

  test('slicer delivers the same bytes in many small chunks', async () => {
    const { proxy } = await rig.setup()
    await proxy.addToxic({
      type: 'slicer',
      stream: 'downstream',
      attributes: { averageSize: 100, sizeVariation: 50, delayUs: 2_000 },
    })
    const client = await rig.connect(proxy.port)
    const payload = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 253))
    client.socket.write(payload)
    await client.settled(payload.length)
    const sizes = client.chunks.map((chunk) => chunk.size)
    console.info(
      `slicer 100±50 B: ${sizes.length} chunks, median ${median(sizes)} B, max ${Math.max(...sizes)} B`,
    )
    expect(client.received.equals(payload)).toBe(true)
    expect(sizes.length).toBeGreaterThanOrEqual(30)
    expect(median(sizes)).toBeLessThanOrEqual(300)
  })

  test('limit_data passes exactly N bytes, then closes the connection', async () => {
    const { proxy } = await rig.setup()
    await proxy.addToxic({ type: 'limit_data', stream: 'downstream', attributes: { bytes: 1_000 } })
    const client = await rig.connect(proxy.port)
    client.socket.write(Buffer.alloc(5_000, 3))
    expect(await client.closedWithin()).toBe(true)
    console.info(`limit_data 1000: client got ${client.received.length} bytes, then close`)
    expect(client.received.length).toBe(1_000)
  })

  test('adding, updating and removing a toxic changes a live connection', async () => {
    const { proxy } = await rig.setup()
    const client = await rig.connect(proxy.port)
    await roundTrips(client, 3)
    const name = await proxy.addToxic({
      type: 'latency',
      stream: 'upstream',
      attributes: { latencyMs: 150 },
    })
    const during = median(await roundTrips(client, 5))
    await proxy.updateToxic(name, { attributes: { latencyMs: 400 } })
    const updated = median(await roundTrips(client, 3))
    // Held for ten minutes unless removing the toxic releases it on this live connection.
    await proxy.updateToxic(name, { attributes: { latencyMs: 600_000 } })
    const held = client.roundTrip('held')
    await proxy.removeToxic(name)
    await held
    console.info(`live: +150 ${during.toFixed(0)}, →400 ${updated.toFixed(0)} ms, then released`)
    expect(during).toBeGreaterThanOrEqual(150)
    expect(updated).toBeGreaterThanOrEqual(400)
    expect(client.received.toString().endsWith('held')).toBe(true)
  })
})
