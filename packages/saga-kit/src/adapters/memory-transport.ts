import type { SagaTx } from '../core/types.js'
import { checkFunction, checkMs, checkOptions, checkRate } from '../validate.js'
import type { MessageHandler, SagaTransport, Subscription, SagaMessage } from '../ports.js'

/** Options of {@link createMemoryTransport}; the chaos knobs default to off. */
export interface MemoryTransportOptions {
  /** Chance that a delivery is repeated (duplicates). @default 0 */
  readonly duplicateRate?: number
  /** Each delivery waits a random 0..maxDelayMs, so messages overtake each other. @default 0 */
  readonly maxDelayMs?: number
  /** Delay before redelivering a message whose handler rejected. @default 20 */
  readonly redeliveryDelayMs?: number
  /** Drops a message instead of delivering it when this returns true (a participant that never answers). */
  readonly drop?: (channel: string, message: SagaMessage) => boolean
  /** @default Math.random */
  readonly random?: () => number
}

/**
 * An in-process transport for tests and trying things out. `send` delivers after the transaction
 * commits; delivery is at-least-once while the process lives, and lost when it dies.
 */
export class MemoryTransport implements SagaTransport {
  /** Every message handed over on commit, in order, for assertions. */
  readonly sent: { channel: string; message: SagaMessage }[] = []
  readonly #handlers = new Map<string, MessageHandler[]>()
  readonly #backlog = new Map<string, SagaMessage[]>()
  readonly #idleWaiters: (() => void)[] = []
  #pending = 0
  #turn = 0

  readonly #options: MemoryTransportOptions
  constructor(options: MemoryTransportOptions = {}) {
    this.#options = options

    const where = 'createMemoryTransport()'
    checkOptions(where, options)
    checkRate(where, 'duplicateRate', options.duplicateRate, 0)
    checkMs(where, 'maxDelayMs', options.maxDelayMs, 0, 0)
    checkMs(where, 'redeliveryDelayMs', options.redeliveryDelayMs, 20, 0)
    checkFunction(where, 'drop', options.drop)
    checkFunction(where, 'random', options.random)
  }

  send(tx: SagaTx, channel: string, message: SagaMessage): Promise<void> {
    tx.afterCommit(() => this.publish(channel, message))
    return Promise.resolve()
  }

  /** Hands a message over as if a transaction had just committed it. */
  publish(channel: string, message: SagaMessage): void {
    this.sent.push({ channel, message })
    if (this.#options.drop?.(channel, message) === true) return
    const random = this.#options.random ?? Math.random
    const copies = random() < (this.#options.duplicateRate ?? 0) ? 2 : 1
    for (let copy = 0; copy < copies; copy++)
      this.#schedule(channel, message, random() * (this.#options.maxDelayMs ?? 0))
  }

  subscribe(channel: string, handler: MessageHandler): Promise<Subscription> {
    this.#handlers.set(channel, [...(this.#handlers.get(channel) ?? []), handler])
    for (const message of this.#backlog.get(channel)?.splice(0) ?? [])
      this.#schedule(channel, message, 0)
    return Promise.resolve({
      close: () => {
        this.#handlers.set(
          channel,
          (this.#handlers.get(channel) ?? []).filter((handle) => handle !== handler),
        )
        return Promise.resolve()
      },
    })
  }

  /** Resolves once no delivery is scheduled or running. */
  idle(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  #schedule(channel: string, message: SagaMessage, delayMs: number): void {
    this.#pending++
    setTimeout(() => void this.#deliver(channel, message), delayMs)
  }

  async #deliver(channel: string, message: SagaMessage): Promise<void> {
    const handlers = this.#handlers.get(channel) ?? []
    const handler = handlers[this.#turn++ % Math.max(1, handlers.length)]
    try {
      if (handler === undefined)
        this.#backlog.set(channel, [...(this.#backlog.get(channel) ?? []), message])
      else await handler(message)
    } catch {
      this.#schedule(channel, message, this.#options.redeliveryDelayMs ?? 20)
    } finally {
      this.#pending--
      if (this.#pending === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve()
    }
  }
}

/** Creates a {@link MemoryTransport}. */
export function createMemoryTransport(options: MemoryTransportOptions = {}): MemoryTransport {
  return new MemoryTransport(options)
}
