import type { Server, Socket } from 'node:net'
import { InfraError } from '../errors.js'
import { ProxyConnection } from './connection.js'
import { boundPort, listen, stopListening } from './listener.js'
import { ToxicSet } from './toxic-set.js'
import type { FaultProxy, FaultProxyOptions, ToxicInfo, ToxicSpec, ToxicUpdate } from './types.js'
import { checkListenPort, checkProxyOptions, parseUpstream, resolveToxic } from './validate.js'

interface Target {
  readonly host: string
  readonly port: number
}

/** The {@link FaultProxy} implementation; build it with `createFaultProxy()`. */
class FaultProxyServer implements FaultProxy {
  readonly host: string
  readonly upstream: string
  readonly #target: Target
  readonly #random: () => number
  readonly #toxics = new ToxicSet()
  readonly #connections = new Set<ProxyConnection>()
  #server: Server | undefined
  #port: number
  #manualDown = false
  #closed = false
  /** Listener changes run one at a time, so a quick down/up/down never races a bind. */
  #transition: Promise<void> = Promise.resolve()

  constructor(options: FaultProxyOptions, target: Target, host: string, port: number) {
    this.upstream = options.upstream
    this.#target = target
    this.#random = options.random ?? Math.random
    this.host = host
    this.#port = port
  }

  get port(): number {
    return this.#port
  }

  get url(): string {
    return `${this.host}:${this.#port}`
  }

  get isDown(): boolean {
    return this.#server === undefined
  }

  /** Down is wanted while `setDown(true)` holds or any `down` toxic is present. */
  #wantDown(): boolean {
    return this.#manualDown || this.#toxics.list().some((toxic) => toxic.type === 'down')
  }

  /** Binds the first time; later binds reuse the port so clients can reconnect after `down`. */
  async start(): Promise<void> {
    this.#server = await listen(this.host, this.#port, (socket) => this.#accept(socket))
    this.#port = boundPort(this.#server)
  }

  async addToxic(spec: ToxicSpec): Promise<string> {
    this.#assertOpen()
    const toxic = resolveToxic(spec)
    this.#toxics.add(toxic)
    this.#forEachConnection(toxic, (connection) => connection.addToxic(toxic))
    await this.#syncListener()
    return toxic.name
  }

  async updateToxic(name: string, update: ToxicUpdate): Promise<ToxicInfo> {
    this.#assertOpen()
    const toxic = this.#toxics.update(name, update)
    this.#forEachConnection(toxic, (connection) => connection.updateToxic(toxic))
    await this.#syncListener()
    return toxic
  }

  async removeToxic(name: string): Promise<void> {
    this.#assertOpen()
    const toxic = this.#toxics.remove(name)
    this.#forEachConnection(toxic, (connection) => connection.removeToxic(toxic))
    await this.#syncListener()
  }

  toxics(): ToxicInfo[] {
    return this.#toxics.list()
  }

  async reset(): Promise<void> {
    this.#assertOpen()
    for (const toxic of this.#toxics.clear()) {
      this.#forEachConnection(toxic, (connection) => connection.removeToxic(toxic))
    }
    this.#manualDown = false
    await this.#syncListener()
  }

  async setDown(down: boolean): Promise<void> {
    this.#assertOpen()
    this.#manualDown = down
    await this.#syncListener()
  }

  connections(): number {
    return this.#connections.size
  }

  async close(): Promise<void> {
    if (this.#closed) return this.#transition
    this.#closed = true
    this.#transition = this.#transition.catch(() => undefined).then(() => this.#stop())
    return this.#transition
  }

  #accept(socket: Socket): void {
    const connection = new ProxyConnection(socket, {
      ...this.#target,
      toxics: this.#toxics.list().filter((toxic) => toxic.type !== 'down'),
      random: this.#random,
      onClosed: (closed) => this.#connections.delete(closed),
    })
    this.#connections.add(connection)
  }

  #forEachConnection(toxic: ToxicInfo, apply: (connection: ProxyConnection) => void): void {
    if (toxic.type === 'down') return
    for (const connection of this.#connections) apply(connection)
  }

  #syncListener(): Promise<void> {
    // A failed re-listen (port taken meanwhile) must not wedge every later transition.
    this.#transition = this.#transition
      .catch(() => undefined)
      .then(async () => {
        if (this.#closed) return
        if (this.#wantDown() && this.#server !== undefined) await this.#stop()
        else if (!this.#wantDown() && this.#server === undefined) await this.start()
      })
    return this.#transition
  }

  async #stop(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    // Drop clients first: server.close() only calls back once every accepted socket is gone.
    for (const connection of this.#connections) connection.destroy()
    if (server !== undefined) await stopListening(server)
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new InfraError('E_INFRA_CLOSED', `Fault proxy ${this.url} is closed.`, {
        context: { port: this.#port },
      })
    }
  }
}

/**
 * Starts a TCP proxy in front of `options.upstream` whose faults (Toxiproxy's toxics) can be
 * changed while connections are live. Invalid options reject with `E_INFRA_INVALID_OPTION`; a busy
 * `listenPort` with `E_INFRA_PORT_IN_USE`.
 *
 * @example
 * const proxy = await createFaultProxy({ upstream: '127.0.0.1:6379' })
 * await proxy.addToxic({ type: 'latency', stream: 'downstream', attributes: { latencyMs: 200 } })
 * // point the client at proxy.url ... then
 * await proxy.close()
 */
export async function createFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  checkProxyOptions(options)
  const target = parseUpstream(options.upstream)
  const port = checkListenPort(options.listenPort)
  const proxy = new FaultProxyServer(options, target, options.listenHost ?? '127.0.0.1', port)
  await proxy.start()
  return proxy
}
