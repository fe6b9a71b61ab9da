import type { BusHandlers, InvalidationBus, InvalidationMessage } from '@faultline/cache-kit'

/**
 * A test hook around the Redis bus: while `dropping`, messages from other nodes are lost without
 * the bus going `down` (pub/sub is at-most-once, and a message lost in a reconnect or a full
 * output buffer looks exactly like this). The change stream must still invalidate this node.
 */
export class LossyBus implements InvalidationBus {
  readonly #inner: InvalidationBus
  #dropping = false
  #dropped = 0

  constructor(inner: InvalidationBus) {
    this.#inner = inner
  }

  get endpoint(): string | undefined {
    return this.#inner.endpoint
  }

  get state(): InvalidationBus['state'] {
    return this.#inner.state
  }

  /** Messages lost on purpose so far. */
  get dropped(): number {
    return this.#dropped
  }

  /** Starts or stops losing incoming messages. */
  setDropping(dropping: boolean): void {
    this.#dropping = dropping
  }

  publish(message: InvalidationMessage): Promise<void> {
    return this.#inner.publish(message)
  }

  subscribe(handlers: BusHandlers): Promise<() => Promise<void>> {
    return this.#inner.subscribe({
      onState: (state) => handlers.onState(state),
      onMessage: (message) => {
        if (this.#dropping) this.#dropped += 1
        else handlers.onMessage(message)
      },
    })
  }

  close(): Promise<void> {
    return this.#inner.close()
  }
}
