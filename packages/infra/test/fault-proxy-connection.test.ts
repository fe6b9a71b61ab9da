import { createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { ProxyConnection } from '../src/fault-proxy/connection.js'
import { echo, startServer, TestClient, type TestServer } from './fault-proxy.helpers.js'

const closers: (() => Promise<void> | void)[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const close of closers.splice(0).reverse()) await close()
})

/** A listener that wraps the first accepted socket in a {@link ProxyConnection} to `upstream`. */
async function pairWith(upstream: TestServer): Promise<{
  connection: Promise<ProxyConnection>
  closed: Promise<void>
  client: TestClient
}> {
  let accepted: (connection: ProxyConnection) => void = () => undefined
  const connection = new Promise<ProxyConnection>((resolve) => (accepted = resolve))
  let ended: () => void = () => undefined
  const closed = new Promise<void>((resolve) => (ended = resolve))
  const listener: Server = createServer({ allowHalfOpen: true }, (socket: Socket) => {
    accepted(
      new ProxyConnection(socket, {
        host: '127.0.0.1',
        port: upstream.port,
        toxics: [],
        random: Math.random,
        onClosed: () => ended(),
      }),
    )
  })
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
  closers.push(() => new Promise((resolve) => listener.close(() => resolve())))
  const address = listener.address()
  const client = await TestClient.connect(typeof address === 'object' && address ? address.port : 0)
  closers.push(() => client.destroy())
  return { connection, closed, client }
}

describe('ProxyConnection', () => {
  test('close() called once per chunk arms one grace timer per socket, cleared at close', async () => {
    const upstream = await startServer(echo())
    closers.push(() => upstream.close())
    const { connection, closed, client } = await pairWith(upstream)
    const pair = await connection
    const armed = vi.spyOn(globalThis, 'setTimeout')
    const cleared = vi.spyOn(globalThis, 'clearTimeout')
    // limit_data asks for a close on every chunk that arrives after its budget ran out.
    for (let chunk = 0; chunk < 100; chunk += 1) pair.close()
    const grace = armed.mock.results
      .filter((_, call) => armed.mock.calls[call]?.[1] === 2_000)
      .map((result) => result.value as unknown)
    expect(grace).toHaveLength(2)
    expect(await client.closedWithin()).toBe(true)
    await closed
    // A socket that closed in time must not be held for the rest of the grace period.
    for (const timer of grace) expect(cleared).toHaveBeenCalledWith(timer)
  })
})
