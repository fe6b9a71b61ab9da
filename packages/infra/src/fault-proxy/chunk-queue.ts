import type { Socket } from 'node:net'
import { now, type Chunk } from './chunk.js'

/** Bytes a direction may hold before it stops reading and lets TCP push back on the sender. */
export const HIGH_WATER_BYTES = 64 * 1024

/**
 * Reads a socket into a bounded FIFO, stamping each chunk on arrival so a delay counts from when
 * the bytes reached the proxy, not from when the pipe got round to them.
 */
export class ChunkQueue {
  readonly #socket: Socket
  readonly #chunks: Chunk[] = []
  #bytes = 0
  #ended = false
  #waiter: (() => void) | undefined

  constructor(socket: Socket) {
    this.#socket = socket
    socket.on('data', (data: Buffer) => this.#push(data))
    socket.on('end', () => this.#finish())
    socket.on('close', () => this.#finish())
  }

  /** The next chunk, or `undefined` once the socket has ended and the queue is empty. */
  async shift(): Promise<Chunk | undefined> {
    while (this.#chunks.length === 0 && !this.#ended) {
      await new Promise<void>((resolve) => (this.#waiter = resolve))
    }
    const chunk = this.#chunks.shift()
    if (chunk !== undefined) this.#release(chunk.data.length)
    return chunk
  }

  #push(data: Buffer): void {
    this.#chunks.push({ data, timestamp: now() })
    this.#bytes += data.length
    if (this.#bytes >= HIGH_WATER_BYTES) this.#socket.pause()
    this.#wake()
  }

  #release(length: number): void {
    this.#bytes -= length
    if (this.#bytes < HIGH_WATER_BYTES / 2 && this.#socket.isPaused()) this.#socket.resume()
  }

  #finish(): void {
    this.#ended = true
    this.#wake()
  }

  #wake(): void {
    const waiter = this.#waiter
    this.#waiter = undefined
    waiter?.()
  }
}
