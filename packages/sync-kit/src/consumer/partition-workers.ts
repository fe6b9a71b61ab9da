import type { EachBatchPayload } from 'kafkajs'
import { describeError, isSyncKitError } from '../errors.js'
import type { Logger } from '../ports.js'
import type { ConsumedBatch } from './ports.js'
import { backoffMs } from './retry.js'

/** Turns a kafkajs batch into the port's batch; `active` says whether it may still be worked on. */
export type ToBatch = (payload: EachBatchPayload, active: () => boolean) => ConsumedBatch

/** Options for {@link PartitionWorkers}. */
export interface PartitionWorkersOptions {
  readonly handle: (batch: ConsumedBatch) => Promise<void>
  readonly toBatch: ToBatch
  /** How long `eachBatch` waits for its batch before setting it aside. */
  readonly inlineMs: number
  readonly logger: Logger
}

const keyOf = (p: EachBatchPayload) => `${p.batch.topic}\u0000${p.batch.partition}`

/** Set once a batch's partition was paused for it, to resume the partition when it is done. */
interface Pause {
  resume?: () => void
}

/**
 * Keeps a slow partition from holding back the others. kafkajs fetches from a broker again only
 * once every batch of the previous fetch was handled, and heartbeats only between batches, so one
 * partition stuck on an event (a handler retrying, a dead letter waiting for the broker) would
 * hold back every partition of that broker and, past the session timeout, lose the group.
 *
 * `eachBatch` waits `inlineMs` for its batch. A batch done by then is kafkajs's ordinary case. One
 * still running is set aside: its partition is paused, `eachBatch` returns, and the batch goes on
 * in the background, so the fetch loop goes on with the other partitions and heartbeats; the
 * partition is resumed when the batch is done. The fetch position only moves with the offsets
 * the batch resolves, so what it did not finish is fetched again.
 *
 * A rebalance starts a new generation: batches of the old one stop at their next chunk (the
 * inbox makes a chunk applied by two members harmless), and a new batch for a partition whose
 * old batch still runs waits, paused, for it.
 */
export class PartitionWorkers {
  readonly #options: PartitionWorkersOptions
  readonly #running = new Map<string, Promise<void>>()
  /** Partitions paused while an older batch of theirs still ran: resumed when one ends. */
  readonly #waiting = new Map<string, () => void>()
  readonly #failures = new Map<string, number>()
  #generation = 0
  #stopping = false
  #wakeStopped: () => void = () => undefined
  readonly #stopped = new Promise<void>((resolve) => (this.#wakeStopped = resolve))

  constructor(options: PartitionWorkersOptions) {
    this.#options = options
  }

  /** The group was (re)joined or is rebalancing: batches handed out so far stop at their next chunk. */
  newGeneration(): void {
    this.#generation++
  }

  /** kafkajs's `eachBatch`: the batch's own work, or its first `inlineMs` when it runs longer. */
  async accept(payload: EachBatchPayload): Promise<void> {
    const key = keyOf(payload)
    if (this.#stopping) return
    if (this.#running.has(key)) {
      // Left unresolved: the partition is fetched again from the same offset once resumed.
      this.#waiting.set(key, payload.pause())
      return
    }
    const generation = this.#generation
    const active = () => !this.#stopping && generation === this.#generation
    const pause: Pause = {}
    const done = this.#work(key, this.#options.toBatch(payload, active), pause)
    this.#running.set(key, done)
    let timer: NodeJS.Timeout | undefined
    const aside = new Promise<'aside'>(
      (r) => (timer = setTimeout(r, this.#options.inlineMs, 'aside')),
    )
    const outcome = await Promise.race([done, aside])
    clearTimeout(timer)
    if (outcome === 'aside' && this.#running.get(key) === done) pause.resume = payload.pause()
  }

  /** Stops handing out batches and waits for those under way (they stop at their next chunk). */
  async stop(): Promise<void> {
    this.#stopping = true
    this.#wakeStopped()
    await Promise.allSettled([...this.#running.values()])
  }

  async #work(key: string, batch: ConsumedBatch, pause: Pause): Promise<void> {
    try {
      await this.#options.handle(batch)
      this.#failures.delete(key)
    } catch (err) {
      await this.#afterFailure(key, batch, err)
    } finally {
      this.#running.delete(key)
      pause.resume?.()
      const waiting = [...this.#waiting.values()]
      this.#waiting.clear()
      for (const wake of waiting) wake()
    }
  }

  /**
   * A batch that threw is fetched again from its last committed offset (kafkajs would restart
   * the whole consumer instead), after a doubling pause so a failure that repeats (offset commits
   * refused while the coordinator moves) does not spin; `stop()` cuts the pause short.
   */
  async #afterFailure(key: string, batch: ConsumedBatch, err: unknown): Promise<void> {
    if (this.#stopping && isSyncKitError(err, 'E_SYNC_CLOSED')) return
    const n = (this.#failures.get(key) ?? 0) + 1
    this.#failures.set(key, n)
    const retryInMs = backoffMs(n, 100, 5_000)
    this.#options.logger.warn(
      {
        topic: batch.topic,
        partition: batch.partition,
        error: describeError(err),
        retryInMs,
      },
      'sync-kit consumer: a partition batch failed; fetching it again',
    )
    let timer: NodeJS.Timeout | undefined
    await Promise.race([new Promise((r) => (timer = setTimeout(r, retryInMs))), this.#stopped])
    clearTimeout(timer)
  }
}
