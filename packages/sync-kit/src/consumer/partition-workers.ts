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
  /** Most partitions worked on at once. */
  readonly limit: number
  readonly logger: Logger
}

const keyOf = (p: EachBatchPayload) => `${p.batch.topic}\u0000${p.batch.partition}`

/**
 * Works on each partition's batches off kafkajs's fetch loop. kafkajs fetches from a broker
 * again only once every batch of the previous fetch was handled, and heartbeats only between
 * them, so one slow partition (a handler retrying, a dead letter waiting for the broker) would
 * hold back every partition of that broker and, past the session timeout, lose the group. Here
 * `eachBatch` pauses the batch's partition, hands the batch to a worker and returns at once: the
 * fetch loop goes on fetching the other partitions and heartbeating, and the partition is resumed
 * when its worker is done. The fetch position only moves with the offsets the worker resolves,
 * so what a worker did not finish is fetched again.
 *
 * A rebalance starts a new generation: the workers of the old one stop at their next chunk (the
 * inbox makes a chunk applied by two members harmless), and a batch for a partition whose worker
 * is still running waits, paused, for it to finish.
 */
export class PartitionWorkers {
  readonly #o: PartitionWorkersOptions
  readonly #running = new Map<string, Promise<void>>()
  /** Partitions paused without a worker (busy, or no free slot): resumed when a worker ends. */
  readonly #waiting = new Map<string, () => void>()
  readonly #failures = new Map<string, number>()
  #generation = 0
  #stopping = false
  #wakeStopped: () => void = () => undefined
  readonly #stopped = new Promise<void>((resolve) => (this.#wakeStopped = resolve))

  constructor(options: PartitionWorkersOptions) {
    this.#o = options
  }

  /** The group was (re)joined or is rebalancing: batches handed out so far stop at their next chunk. */
  newGeneration(): void {
    this.#generation++
  }

  /** kafkajs's `eachBatch`: returns at once; the batch is worked on in the background. */
  accept(payload: EachBatchPayload): Promise<void> {
    const key = keyOf(payload)
    const resume = payload.pause()
    if (this.#stopping) return Promise.resolve()
    if (this.#running.has(key) || this.#running.size >= this.#o.limit) {
      // Dropped unresolved: the partition is fetched again from the same offset once resumed.
      this.#waiting.set(key, resume)
      return Promise.resolve()
    }
    const generation = this.#generation
    const active = () => !this.#stopping && generation === this.#generation
    this.#running.set(key, this.#work(key, this.#o.toBatch(payload, active), resume))
    return Promise.resolve()
  }

  /** Stops handing out batches and waits for the workers (they stop at their next chunk). */
  async stop(): Promise<void> {
    this.#stopping = true
    this.#wakeStopped()
    await Promise.allSettled([...this.#running.values()])
  }

  async #work(key: string, batch: ConsumedBatch, resume: () => void): Promise<void> {
    try {
      await this.#o.handle(batch)
      this.#failures.delete(key)
    } catch (err) {
      await this.#afterFailure(key, batch, err)
    } finally {
      this.#running.delete(key)
      resume()
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
    this.#o.logger.warn('sync-kit consumer: a partition batch failed; fetching it again', {
      topic: batch.topic,
      partition: batch.partition,
      error: describeError(err),
      retryInMs,
    })
    let timer: NodeJS.Timeout | undefined
    await Promise.race([new Promise((r) => (timer = setTimeout(r, retryInMs))), this.#stopped])
    clearTimeout(timer)
  }
}
