import { CacheKitError } from '../errors.js'
import type { BusHandlers, BusState, InvalidationBus, InvalidationMessage } from '../ports.js'

/** Connects in-process {@link MemoryBus}es to each other, like one Redis channel. */
export class MemoryBusHub {
  readonly #buses = new Set<MemoryBus>()

  /** A new bus attached to this hub. */
  createBus(): MemoryBus {
    const bus = new MemoryBus(this)
    this.#buses.add(bus)
    return bus
  }

  /** @internal Delivers to every connected bus on a later tick (pub/sub is asynchronous). */
  deliver(message: InvalidationMessage): void {
    for (const bus of this.#buses) queueMicrotask(() => bus.receive(message))
  }

  /** @internal */
  detach(bus: MemoryBus): void {
    this.#buses.delete(bus)
  }
}

/**
 * An in-process {@link InvalidationBus}. `disconnect()`/`reconnect()` simulate a dropped
 * subscriber: messages published while it is down are lost, as with Redis pub/sub.
 */
export class MemoryBus implements InvalidationBus {
  readonly #hub: MemoryBusHub
  #handlers: BusHandlers | undefined
  #connected = true
  #closed = false

  constructor(hub: MemoryBusHub) {
    this.#hub = hub
  }

  get state(): BusState {
    return this.#handlers !== undefined && this.#connected ? 'up' : 'down'
  }

  async publish(message: InvalidationMessage): Promise<void> {
    await Promise.resolve()
    if (this.#closed || !this.#connected) {
      throw new CacheKitError('E_CACHE_BUS_UNAVAILABLE', 'The memory bus is disconnected.', {
        retryable: true,
        context: { operation: 'publish' },
      })
    }
    this.#hub.deliver(message)
  }

  async subscribe(handlers: BusHandlers): Promise<() => Promise<void>> {
    await Promise.resolve()
    this.#handlers = handlers
    handlers.onState(this.state)
    return async () => {
      await Promise.resolve()
      this.#handlers = undefined
    }
  }

  /** @internal */
  receive(message: InvalidationMessage): void {
    if (this.#connected) this.#handlers?.onMessage(message)
  }

  /** Simulates a dropped connection; messages are lost until {@link reconnect}. */
  disconnect(): void {
    this.#connected = false
    this.#handlers?.onState('down')
  }

  /** Simulates the connection coming back. */
  reconnect(): void {
    this.#connected = true
    this.#handlers?.onState(this.state)
  }

  async close(): Promise<void> {
    await Promise.resolve()
    this.#closed = true
    this.#handlers = undefined
    this.#hub.detach(this)
  }
}

/** Creates a hub; call `hub.createBus()` once per node. */
export function createMemoryBusHub(): MemoryBusHub {
  return new MemoryBusHub()
}
