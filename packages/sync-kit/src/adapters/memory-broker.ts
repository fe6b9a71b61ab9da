import { SyncKitError } from '../errors.js'
import type { EventPublisher, OutgoingMessage, PublishResult } from '../ports.js'
import type {
  ConsumedBatch,
  ConsumedMessage,
  ConsumerRunOptions,
  EventConsumer,
  PartitionOffset,
} from '../consumer/ports.js'

/** Options for {@link createMemoryBroker}. */
export interface MemoryBrokerOptions {
  /** Partitions per topic. @default 1 */
  readonly partitions?: number
}

/** Options for {@link MemoryBroker.consumer}. */
export interface MemoryConsumerOptions {
  /**
   * Fault point "handled, not yet committed": when it returns true for a message, this consumer
   * dies right there, as a process would: the message's effect is done but its offset is not
   * committed, so the next run receives it again. Under `eachBatch` it is asked for each message
   * a `commit()` covers, and that whole commit is lost (a chunk's messages come back together).
   */
  readonly crashBeforeCommit?: (message: ConsumedMessage) => boolean
  /** Most messages handed to one `eachBatch` call. @default 500 */
  readonly maxBatchMessages?: number
}

function hashKey(key: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/**
 * An in-process broker with partitioned topics and consumer groups: publish into it (it is an
 * {@link EventPublisher}) and consume from it with {@link MemoryBroker.consumer}. Same key, same
 * partition; offsets from 0; committed offsets per group survive a consumer's crash.
 */
export class MemoryBroker implements EventPublisher {
  readonly partitions: number
  readonly #logs = new Map<string, ConsumedMessage[][]>()
  readonly #committed = new Map<string, bigint>()
  #waiters: (() => void)[] = []

  constructor(options: MemoryBrokerOptions = {}) {
    this.partitions = options.partitions ?? 1
  }

  /** Appends every message (same key → same partition) and wakes consumers. */
  publish(messages: readonly OutgoingMessage[]): Promise<readonly PublishResult[]> {
    const results = messages.map((m): PublishResult => {
      const partition = hashKey(m.key) % this.partitions
      const log = this.#log(m.topic)[partition] ?? []
      const offset = String(log.length)
      log.push({
        topic: m.topic,
        partition,
        offset,
        key: m.key,
        value: m.value,
        headers: m.headers,
      })
      return { ok: true, partition, offset }
    })
    this.#wake()
    return Promise.resolve(results)
  }

  /** Every message of `topic`, partition by partition, in offset order. */
  messages(topic: string): ConsumedMessage[] {
    return this.#log(topic).flat()
  }

  /** @internal */
  message(topic: string, partition: number, offset: bigint): ConsumedMessage | undefined {
    return this.#log(topic)[partition]?.[Number(offset)]
  }

  /** @internal Up to `max` messages of a partition from `offset` on. */
  slice(topic: string, partition: number, offset: bigint, max: number): ConsumedMessage[] {
    return (this.#log(topic)[partition] ?? []).slice(Number(offset), Number(offset) + max)
  }

  endOffsets(topics: readonly string[]): PartitionOffset[] {
    return topics.flatMap((topic) =>
      this.#log(topic).map((log, partition) => ({ topic, partition, offset: String(log.length) })),
    )
  }

  committedOffsets(groupId: string, topics: readonly string[]): PartitionOffset[] {
    return topics.flatMap((topic) =>
      this.#log(topic).flatMap((_, partition) => {
        const at = this.#committed.get(`${groupId}\u0000${topic}\u0000${partition}`)
        return at === undefined ? [] : [{ topic, partition, offset: String(at) }]
      }),
    )
  }

  /** @internal */
  commit(groupId: string, topic: string, partition: number, next: bigint): void {
    this.#committed.set(`${groupId}\u0000${topic}\u0000${partition}`, next)
  }

  /** @internal Resolves on the next publish (or `wakeAll`). */
  nextPublish(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  /** @internal */
  wakeAll(): void {
    this.#wake()
  }

  /** A new consumer client on this broker. */
  consumer(options: MemoryConsumerOptions = {}): MemoryEventConsumer {
    return new MemoryEventConsumer(this, options)
  }

  close(): Promise<void> {
    return Promise.resolve()
  }

  #log(topic: string): ConsumedMessage[][] {
    let logs = this.#logs.get(topic)
    if (logs === undefined) {
      logs = Array.from({ length: this.partitions }, () => [])
      this.#logs.set(topic, logs)
    }
    return logs
  }

  #wake(): void {
    const waiters = this.#waiters
    this.#waiters = []
    waiters.forEach((w) => w())
  }
}

/**
 * The in-memory {@link EventConsumer}: one loop per partition, one message at a time (offset
 * committed after `eachMessage` resolves) or every available message as one batch (offsets
 * committed by the batch's `commit`). A rejection (or a crash fault) stops this consumer like a
 * dead process; start a new one to continue from the committed offsets.
 */
export class MemoryEventConsumer implements EventConsumer {
  readonly #broker: MemoryBroker
  readonly #options: MemoryConsumerOptions
  #running = false
  #loops: Promise<void>[] = []
  /** Why the consumer died, if it did. */
  crashed: unknown = undefined

  constructor(broker: MemoryBroker, options: MemoryConsumerOptions) {
    this.#broker = broker
    this.#options = options
  }

  run(options: ConsumerRunOptions): Promise<void> {
    if (this.#running) throw new SyncKitError('E_SYNC_INVALID_OPTION', 'consumer already running')
    this.#running = true
    const start = new Map(
      this.#broker.endOffsets(options.topics).map((e) => [`${e.topic}/${e.partition}`, e]),
    )
    const committed = new Map(
      this.#broker
        .committedOffsets(options.groupId, options.topics)
        .map((c) => [`${c.topic}/${c.partition}`, c]),
    )
    for (const [key, end] of start) {
      const from = committed.get(key)?.offset ?? (options.fromBeginning ? '0' : end.offset)
      const loop = options.eachBatch === undefined ? this.#loop : this.#batchLoop
      this.#loops.push(loop.call(this, options, end.topic, end.partition, BigInt(from)))
    }
    return Promise.resolve()
  }

  async #loop(
    o: ConsumerRunOptions,
    topic: string,
    partition: number,
    from: bigint,
  ): Promise<void> {
    let next = from
    while (this.#running) {
      const message = this.#broker.message(topic, partition, next)
      if (message === undefined) {
        await this.#broker.nextPublish()
        continue
      }
      try {
        await o.eachMessage?.(message)
      } catch (err) {
        return this.#die(err)
      }
      if (this.#options.crashBeforeCommit?.(message) === true) return this.#die('crash fault')
      // A dead process commits nothing, even for messages its other partitions were handling.
      if (this.crashed !== undefined) return
      next++
      this.#broker.commit(o.groupId, topic, partition, next)
    }
  }

  async #batchLoop(
    o: ConsumerRunOptions,
    topic: string,
    partition: number,
    from: bigint,
  ): Promise<void> {
    let next = from
    while (this.#running) {
      const messages = this.#broker.slice(
        topic,
        partition,
        next,
        this.#options.maxBatchMessages ?? 500,
      )
      if (messages.length === 0) {
        await this.#broker.nextPublish()
        continue
      }
      const batch = this.#batch(o.groupId, topic, partition, messages, next)
      try {
        await o.eachBatch?.(batch.batch)
      } catch (err) {
        return this.#die(err)
      }
      if (this.crashed !== undefined) return
      // What the batch did not commit is delivered again, as after a real consumer's restart.
      next = batch.committed()
    }
  }

  #batch(
    groupId: string,
    topic: string,
    partition: number,
    messages: ConsumedMessage[],
    from: bigint,
  ) {
    let committed = from
    const batch: ConsumedBatch = {
      topic,
      partition,
      messages,
      isActive: () => this.#running && this.crashed === undefined,
      commit: (offset) => {
        if (this.crashed !== undefined) return Promise.resolve()
        const upTo = BigInt(offset)
        for (let at = committed; at <= upTo; at++) {
          const message = this.#broker.message(topic, partition, at)
          // A dead process commits nothing, not even what this batch committed to its database.
          if (message && this.#options.crashBeforeCommit?.(message) === true) {
            this.#die('crash fault')
            return Promise.resolve()
          }
        }
        committed = upTo + 1n
        this.#broker.commit(groupId, topic, partition, committed)
        return Promise.resolve()
      },
    }
    return { batch, committed: () => committed }
  }

  #die(reason: unknown): void {
    this.crashed = reason
    this.#running = false
    this.#broker.wakeAll()
  }

  async stop(): Promise<void> {
    this.#running = false
    this.#broker.wakeAll()
    await Promise.all(this.#loops)
    this.#loops = []
  }

  endOffsets(topics: readonly string[]): Promise<PartitionOffset[]> {
    return Promise.resolve(this.#broker.endOffsets(topics))
  }

  committedOffsets(groupId: string, topics: readonly string[]): Promise<PartitionOffset[]> {
    return Promise.resolve(this.#broker.committedOffsets(groupId, topics))
  }
}

/** Creates an in-memory broker. */
export function createMemoryBroker(options: MemoryBrokerOptions = {}): MemoryBroker {
  return new MemoryBroker(options)
}
