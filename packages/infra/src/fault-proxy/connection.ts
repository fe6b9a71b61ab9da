import { connect, type Socket } from 'node:net'
import { ChunkQueue } from './chunk-queue.js'
import { pipeDirection } from './pipe.js'
import { ToxicChain } from './toxic-chain.js'
import type { ToxicInfo, ToxicStream } from './types.js'

/** How long a graceful close may take to flush before the sockets are destroyed anyway. */
const CLOSE_GRACE_MS = 2_000

/** Where a connection forwards to and how it reports back. */
export interface ConnectionOptions {
  readonly host: string
  readonly port: number
  readonly toxics: readonly ToxicInfo[]
  readonly random: () => number
  readonly onClosed: (connection: ProxyConnection) => void
}

/**
 * One client socket paired with its own upstream socket, with a toxic chain per direction. Every
 * socket error ends the pair instead of escaping: a fault proxy must outlive the faults it makes.
 */
export class ProxyConnection {
  readonly #client: Socket
  readonly #upstream: Socket
  readonly #chains: Record<ToxicStream, ToxicChain>
  #open = 2
  #closing = false

  constructor(client: Socket, options: ConnectionOptions) {
    this.#client = client
    this.#upstream = connect({ host: options.host, port: options.port, allowHalfOpen: true })
    const hooks = { close: () => this.close(), reset: () => this.reset(), random: options.random }
    this.#chains = { upstream: new ToxicChain(hooks), downstream: new ToxicChain(hooks) }
    for (const toxic of options.toxics) this.addToxic(toxic)
    this.#wire(options.onClosed)
  }

  /** Starts a toxic on this live connection (rolling its toxicity). */
  addToxic(toxic: ToxicInfo): void {
    this.#chains[toxic.stream].add(toxic)
  }

  /** Restarts a toxic with new values (and a new toxicity roll). */
  updateToxic(toxic: ToxicInfo): void {
    this.#chains[toxic.stream].replace(toxic)
  }

  /** Stops a toxic and releases data it held. */
  removeToxic(toxic: ToxicInfo): void {
    this.#chains[toxic.stream].remove(toxic.name)
  }

  /**
   * Ends both sides with a FIN once what was already written has flushed. Idempotent: a toxic
   * may ask again for every chunk that still arrives (limit_data does), and each call must not
   * add another callback and grace timer to sockets that are already ending.
   */
  close(): void {
    this.#stopToxics()
    if (this.#closing) return
    this.#closing = true
    for (const socket of [this.#client, this.#upstream]) {
      if (socket.destroyed) continue
      const grace = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref()
      socket.once('close', () => clearTimeout(grace))
      socket.end(() => socket.destroy())
    }
  }

  /** Resets the client (RST, so it sees ECONNRESET) and drops the upstream side. */
  reset(): void {
    this.#stopToxics()
    if (!this.#client.destroyed) this.#client.resetAndDestroy()
    this.#upstream.destroy()
  }

  /** Drops both sides at once, discarding anything in flight. */
  destroy(): void {
    this.#stopToxics()
    this.#client.destroy()
    this.#upstream.destroy()
  }

  #stopToxics(): void {
    this.#chains.upstream.abortAll()
    this.#chains.downstream.abortAll()
  }

  #wire(onClosed: (connection: ProxyConnection) => void): void {
    const ended = (): void => {
      if (--this.#open > 0) return
      // A pair that ended cleanly still has its toxics armed (a timeout toxic's timer holds the
      // whole connection until it fires, and keeps the process alive after proxy.close()).
      this.#stopToxics()
      onClosed(this)
    }
    for (const socket of [this.#client, this.#upstream]) {
      socket.setNoDelay(true)
      socket.on('error', () => this.destroy())
      // A clean close leaves the other direction to drain: its pipe ends it when done.
      socket.once('close', (hadError: boolean) => {
        if (hadError) this.destroy()
        ended()
      })
    }
    const fail = (): void => this.destroy()
    this.#pipe(this.#client, this.#upstream, this.#chains.upstream).catch(fail)
    this.#pipe(this.#upstream, this.#client, this.#chains.downstream).catch(fail)
  }

  async #pipe(from: Socket, to: Socket, chain: ToxicChain): Promise<void> {
    await pipeDirection(new ChunkQueue(from), to, chain)
    // Nobody is left to read what `from` sends, so stop it rather than let it hang half-open.
    if (to.destroyed) this.destroy()
  }
}
