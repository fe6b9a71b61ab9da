import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { afterEach } from 'vitest'
import {
  createFaultProxy,
  type FaultProxy,
  type FaultProxyOptions,
} from '../src/fault-proxy/index.js'
import { HANG_MS } from './conditions.js'

/** A throwaway TCP server for the proxy tests, closed with everything it accepted. */
export interface TestServer {
  readonly port: number
  /** Bytes received per accepted socket, in accept order. */
  readonly received: number[]
  close(): Promise<void>
}

/** What a test server does with each accepted socket. */
export type Behaviour = (socket: Socket, index: number) => void

/** Echoes everything back; with `greeting`, says it first so downstream delay is observable alone. */
export const echo =
  (greeting?: string): Behaviour =>
  (socket) => {
    if (greeting !== undefined) socket.write(greeting)
    socket.pipe(socket)
  }

/** Streams `bytes` bytes to the client, respecting backpressure, then ends. */
export const source =
  (bytes: number): Behaviour =>
  (socket) => {
    socket.end(Buffer.alloc(bytes, 7))
  }

/** Starts a server on a free loopback port. */
export async function startServer(behaviour: Behaviour): Promise<TestServer> {
  const sockets = new Set<Socket>()
  const received: number[] = []
  const server: Server = createServer((socket) => {
    const index = received.push(0) - 1
    sockets.add(socket)
    socket.on('error', () => undefined)
    socket.on('data', (data: Buffer) => (received[index] = (received[index] ?? 0) + data.length))
    socket.on('close', () => sockets.delete(socket))
    behaviour(socket, index)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const close = (): Promise<void> => {
    for (const socket of sockets) socket.destroy()
    return new Promise((resolve) => server.close(() => resolve()))
  }
  return { port, received, close }
}

/** A client socket that records what it received, when, and how it ended. */
export class TestClient {
  readonly socket: Socket
  readonly chunks: { size: number; at: number }[] = []
  received = Buffer.alloc(0)
  error: NodeJS.ErrnoException | undefined
  endedAt: number | undefined
  readonly closed: Promise<void>
  readonly #listeners = new Set<() => void>()

  private constructor(socket: Socket) {
    this.socket = socket
    socket.on('data', (data: Buffer) => {
      this.chunks.push({ size: data.length, at: performance.now() })
      this.received = Buffer.concat([this.received, data])
      this.#notify()
    })
    socket.on('error', (error: NodeJS.ErrnoException) => (this.error = error))
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.endedAt = performance.now()
        this.#notify()
        resolve()
      }),
    )
  }

  /** Connects, or rejects with the socket error (e.g. ECONNREFUSED). */
  static connect(port: number): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host: '127.0.0.1', port })
      socket.setNoDelay(true)
      socket.once('error', reject)
      socket.once('connect', () => {
        socket.off('error', reject)
        resolve(new TestClient(socket))
      })
    })
  }

  /** True once at least `bytes` bytes arrived; false if the socket closed or `timeoutMs` passed. */
  waitFor(bytes: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.received.length >= bytes || this.endedAt !== undefined) finish()
      }
      const finish = (): void => {
        clearTimeout(timer)
        this.#listeners.delete(check)
        resolve(this.received.length >= bytes)
      }
      const timer = setTimeout(finish, timeoutMs)
      this.#listeners.add(check)
      check()
    })
  }

  /** Resolves once at least `bytes` bytes arrived or the socket closed; a hang fails the test. */
  async settled(bytes: number): Promise<void> {
    await this.waitFor(bytes, HANG_MS)
    if (this.received.length < bytes && this.endedAt === undefined) {
      throw new Error(`neither ${bytes} bytes nor a close within ${HANG_MS} ms`)
    }
  }

  /** Sends `payload` and times until as many new bytes have come back (an echo round trip). */
  async roundTrip(payload = 'ping', timeoutMs = HANG_MS): Promise<number> {
    const target = this.received.length + Buffer.byteLength(payload)
    const start = performance.now()
    this.socket.write(payload)
    if (!(await this.waitFor(target, timeoutMs))) throw new Error('round trip did not complete')
    return performance.now() - start
  }

  /** Resolves with true if the socket closed within `timeoutMs` (by default: unless it hangs). */
  async closedWithin(timeoutMs = HANG_MS): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(resolve, timeoutMs, false)))
    const result = await Promise.race([this.closed.then(() => true as const), timeout])
    clearTimeout(timer)
    return result
  }

  destroy(): void {
    this.socket.destroy()
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener()
  }
}

/** Median of a sample. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

/** Connect error code, or `undefined` if the connection succeeded. */
export async function connectError(port: number): Promise<string | undefined> {
  try {
    const client = await TestClient.connect(port)
    client.destroy()
    return undefined
  } catch (error) {
    return (error as NodeJS.ErrnoException).code
  }
}

/** A test server with a proxy in front, and a client factory; all torn down after each test. */
export interface ProxyRig {
  setup(
    behaviour?: Behaviour,
    options?: Omit<FaultProxyOptions, 'upstream'>,
  ): Promise<{ server: TestServer; proxy: FaultProxy }>
  connect(port: number): Promise<TestClient>
  /** Registers a teardown step, run after the test in reverse order. */
  defer(cleanup: () => Promise<void> | void): void
}

/** Call once per test file: hands out rigs whose servers, proxies and clients close after each test. */
export function useProxyRig(): ProxyRig {
  const cleanups: (() => Promise<void> | void)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })
  const defer = (cleanup: () => Promise<void> | void): void => void cleanups.push(cleanup)
  return {
    defer,
    async setup(behaviour = echo(), options = {}) {
      const server = await startServer(behaviour)
      defer(() => server.close())
      const proxy = await createFaultProxy({ ...options, upstream: `127.0.0.1:${server.port}` })
      defer(() => proxy.close())
      return { server, proxy }
    },
    async connect(port) {
      const client = await TestClient.connect(port)
      defer(() => client.destroy())
      return client
    },
  }
}

/** `count` echo round trips one after another; their times in ms. */
export async function roundTrips(client: TestClient, count: number): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < count; i++) times.push(await client.roundTrip(`ping-${i}`))
  return times
}
