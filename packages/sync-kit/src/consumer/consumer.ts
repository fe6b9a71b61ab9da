import { encodeEnvelope, type ConsumedEvent } from '../envelope.js'
import { describeError, type SyncKitError } from '../errors.js'
import { agg, consumeDead, drainOne, ParkedFailure, type StepContext } from './apply.js'
import type { ChunkItem } from './chunk.js'
import { ChunkSizer } from './chunk-sizer.js'
import { ChunkRunner } from './chunk-runner.js'
import { decodeMessage, route, type Decoded, type Router } from './decode.js'
import { sendDeadLetter } from './send-dead-letter.js'
import { prepareDeadLetterTopic } from './dead-letter-topic.js'
import { count, type ConsumerEvent, type ConsumerMetrics } from './events.js'
import { partitionLag, type PartitionLag } from './lag.js'
import {
  resolveConsumerOptions,
  type ConsumerOptions,
  type ResolvedConsumerOptions,
} from './options.js'
import type {
  AggregateRef,
  ConsumedBatch,
  ConsumedMessage,
  EventOrigin,
  ParkedEvent,
  PartitionOffset,
} from './ports.js'
import { backoffMs, handlerFailure, retrying, STOPPED, type RetryPolicy } from './retry.js'

type Raw = Pick<ConsumedMessage, 'key' | 'value' | 'headers'>

const emptyMetrics = (): ConsumerMetrics => ({
  applied: 0,
  ignored: 0,
  duplicates: 0,
  held: 0,
  gaps: 0,
  retries: 0,
  deadLettered: 0,
  deadLettersTruncated: 0,
  deadLettersUnpublished: 0,
  deadLetterFailures: 0,
  storeUnavailable: 0,
  conflicts: 0,
})
const partKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`
const originOf = (m: ConsumedMessage): EventOrigin => ({
  topic: m.topic,
  partition: m.partition,
  offset: m.offset,
})

/**
 * An effectively-once consumer: at-least-once delivery from the broker, made exactly-once in
 * effect by the inbox, applied per aggregate in sequence order, with retries and a dead-letter
 * topic so that no event blocks its partition for good. Create it with {@link createConsumer}.
 *
 * Events are applied in chunks of up to `maxBatchSize` per database transaction (inbox rows,
 * positions and handler writes commit together), sized so a chunk takes about `chunkTargetMs`;
 * a chunk's offsets are committed to the broker only after that transaction committed. A
 * handler that throws rolls its chunk back; the events before it are applied again in one
 * transaction, and it is retried on its own, so a failing event never costs its neighbours an
 * attempt or applies them twice.
 */
export class Consumer<Tx> {
  readonly #options: ResolvedConsumerOptions<Tx>
  readonly #router: Router<Tx>
  readonly #ctx: StepContext<Tx>
  readonly #retry: RetryPolicy
  readonly #chunks: ChunkRunner<Tx>
  readonly #sizer: ChunkSizer
  readonly #metrics = emptyMetrics()
  readonly #positions = new Map<string, PartitionOffset>()
  readonly #stalledReported = new Set<string>()
  #stopping = false

  constructor(options: ConsumerOptions<Tx>) {
    const o = resolveConsumerOptions(options)
    this.#options = o
    this.#router = o
    const now = () => o.clock.now()
    this.#ctx = {
      store: o.db,
      namespace: o.namespace,
      groupId: o.groupId,
      gapPolicy: o.gapPolicy,
      now,
      report: (e) => this.#report(e),
    }
    this.#retry = {
      ...o,
      stopping: () => this.#stopping,
      isUnavailable: (err) => o.db.isUnavailable(err),
      onUnavailable: (err) =>
        this.#report({ type: 'consumer:store-unavailable', error: describeError(err) }),
      onConflict: (err) => this.#report({ type: 'consumer:conflict', error: describeError(err) }),
      onRetry: () => undefined,
    }
    this.#sizer = new ChunkSizer(this.#options.maxBatchSize, this.#options.chunkTargetMs)
    this.#chunks = new ChunkRunner({
      ctx: this.#ctx,
      txOptions: o.sharedLock === undefined ? {} : { sharedLock: o.sharedLock },
      retry: this.#retry,
      retryFor: (id) => this.#retryFor(id),
      report: (e) => this.#report(e),
      drain: (a) => this.#drain(a),
      deadLetter: async (event, origin, error, attempts) => {
        await this.#deadLetter(encodeEnvelope(event), origin, error, attempts, event.id)
        await this.#afterDead(event, origin, false)
      },
      checkGaps: () => this.checkGaps(),
    })
  }

  /**
   * Makes sure the dead-letter topic takes what the source topics take (see
   * `EventPublisher.ensureTopic`), joins the group and starts consuming; resolves once the
   * subscription runs.
   */
  async start(): Promise<void> {
    this.#stopping = false
    const { deadLetters, deadLetterTopic, topics, logger } = this.#options
    // Fail here, naming the fix, rather than on the first event or after a broker timeout.
    await this.#options.db.checkSchema?.()
    await this.#options.consumer.checkTopics?.(topics)
    await prepareDeadLetterTopic(deadLetters, deadLetterTopic, topics, logger)
    // A group that resumes starts where it committed: count that as processed for caughtUp().
    for (const c of await this.#options.consumer.committedOffsets(
      this.#options.groupId,
      this.#options.topics,
    )) {
      this.#positions.set(partKey(c.topic, c.partition), c)
    }
    await this.#resumeDrains()
    await this.#options.consumer.run({
      groupId: this.#options.groupId,
      topics: this.#options.topics,
      fromBeginning: this.#options.fromBeginning,
      eachBatch: (batch) => this.#onBatch(batch),
    })
  }

  /** Stops consuming. An event in the middle of its retries is left uncommitted for the next run. */
  async stop(): Promise<void> {
    this.#stopping = true
    await this.#options.consumer.stop()
  }

  /** A copy of the counters. */
  metrics(): ConsumerMetrics {
    return { ...this.#metrics }
  }

  /** The next offset of every partition this instance has processed a message from. */
  positions(): PartitionOffset[] {
    return [...this.#positions.values()]
  }

  /** True once this instance has processed every partition up to the given offsets. */
  caughtUp(targets: readonly PartitionOffset[]): boolean {
    return targets.every((t) => {
      const at = this.#positions.get(partKey(t.topic, t.partition))
      return BigInt(t.offset) === 0n || (at !== undefined && BigInt(at.offset) >= BigInt(t.offset))
    })
  }

  /** Consumer lag per partition: end offset minus this group's position. */
  async lag(): Promise<PartitionLag[]> {
    const [ends, committed] = await Promise.all([
      this.#options.consumer.endOffsets(this.#options.topics),
      this.#options.consumer.committedOffsets(this.#options.groupId, this.#options.topics),
    ])
    return partitionLag(ends, [...committed, ...this.#positions.values()])
  }

  /** Events held back behind a sequence gap, oldest first. */
  heldBack(): Promise<ParkedEvent[]> {
    return this.#options.db.listParked(this.#options.namespace)
  }

  /** Reports (once each) held-back events older than `gapAlarmMs`; returns them. */
  async checkGaps(): Promise<ParkedEvent[]> {
    const now = this.#options.clock.now()
    const stalled = (await this.heldBack()).filter(
      (p) => now - p.parkedAt >= this.#options.gapAlarmMs,
    )
    // Forget events no longer stalled (released or dead-lettered), so the set holds only the
    // events waiting now rather than every event that ever waited.
    const current = new Set(stalled.map((p) => p.event.id))
    for (const key of this.#stalledReported)
      if (!current.has(key)) this.#stalledReported.delete(key)
    for (const p of stalled) {
      const key = `${p.event.id}`
      if (this.#stalledReported.has(key)) continue
      this.#stalledReported.add(key)
      this.#options.logger.warn(
        {
          aggregateType: p.event.aggregateType,
          aggregateId: p.event.aggregateId,
          sequence: p.event.sequence,
        },
        'sync-kit consumer: an event has waited for a sequence gap too long',
      )
      this.#report({
        type: 'consumer:gap-stalled',
        aggregate: agg(p.event),
        sequence: p.event.sequence,
        waitedMs: now - p.parkedAt,
      })
    }
    return stalled
  }

  /** Applies a partition's batch in order: runs of decoded events in chunks, bad messages alone. */
  async #onBatch(batch: ConsumedBatch): Promise<void> {
    let run: ChunkItem<Tx>[] = []
    for (const m of batch.messages) {
      const decoded = decodeMessage(this.#router, m)
      if (decoded.ok) {
        run.push({ event: decoded.event, route: decoded.route, origin: originOf(m) })
        continue
      }
      if (!(await this.#applyAll(batch, run)) || !this.#active(batch)) return
      run = []
      await this.#reject(m, decoded)
      await this.#handled(batch, originOf(m))
    }
    await this.#applyAll(batch, run)
  }

  /** Applies `items` chunk by chunk, committing offsets after each; false once `batch` is not active. */
  async #applyAll(batch: ConsumedBatch, items: readonly ChunkItem<Tx>[]): Promise<boolean> {
    let rest = items
    while (rest.length > 0) {
      if (!this.#active(batch)) return false
      const started = this.#options.clock.now()
      const done = await this.#chunks.apply(rest.slice(0, this.#sizer.next()))
      this.#sizer.record(done, this.#options.clock.now() - started)
      await this.#handled(batch, (rest[done - 1] ?? rest[0]!).origin)
      rest = rest.slice(done)
    }
    return true
  }

  #active(batch: ConsumedBatch): boolean {
    if (this.#stopping) throw STOPPED
    return batch.isActive()
  }

  /** Records a durably handled message as processed and commits the offset past it. */
  async #handled(batch: ConsumedBatch, origin: EventOrigin): Promise<void> {
    const next = String(BigInt(origin.offset) + 1n)
    this.#positions.set(partKey(origin.topic, origin.partition), { ...origin, offset: next })
    await batch.commit(origin.offset)
  }

  /** Dead-letters a message that did not decode; an envelope among them still fills its slot. */
  async #reject(m: ConsumedMessage, decoded: Decoded<Tx> & { ok: false }): Promise<void> {
    const origin = originOf(m)
    await this.#deadLetter(m, origin, decoded.error, 0, decoded.event?.id)
    if (decoded.event) await this.#afterDead(decoded.event, origin, false)
  }

  /** Releases events a previous run parked and then stopped before draining. */
  async #resumeDrains(): Promise<void> {
    const seen = new Set<string>()
    for (const { event } of await this.heldBack()) {
      const key = JSON.stringify([event.aggregateType, event.aggregateId])
      if (seen.has(key)) continue
      seen.add(key)
      await this.#drain(event)
    }
  }

  /** Applies parked successors of `aggregate` while the next one is there. */
  async #drain(aggregate: AggregateRef): Promise<void> {
    const routeOf = (e: ConsumedEvent) => route(this.#router, e) ?? { kind: 'ignore' as const }
    for (;;) {
      const res = await retrying(this.#retryFor(aggregate.aggregateId), (attempt) =>
        this.#tx((tx) => drainOne(tx, this.#ctx, agg(aggregate), routeOf, attempt)),
      )
      if (res.ok) {
        res.value.events.forEach((e) => this.#report(e))
        if (!res.value.drained) return
        continue
      }
      if (!(res.error instanceof ParkedFailure)) throw res.error
      const { event, origin } = res.error.parked
      const error = handlerFailure(res.error, res.attempts, event.id)
      await this.#deadLetter(encodeEnvelope(event), origin, error, res.attempts, event.id)
      await this.#durably(() =>
        this.#tx(async (tx) => {
          await this.#options.db.takeParked(tx, this.#options.namespace, event, event.sequence)
          await consumeDead(tx, this.#ctx, event, origin, true)
        }),
      )
    }
  }

  async #afterDead(event: ConsumedEvent, origin: EventOrigin, claimed: boolean): Promise<void> {
    await this.#durably(() => this.#tx((tx) => consumeDead(tx, this.#ctx, event, origin, claimed)))
    await this.#drain(event)
  }

  /** Publishes a dead letter, waiting out broker failures (they are not the event's fault). */
  #deadLetter(
    m: Raw,
    origin: EventOrigin,
    error: SyncKitError,
    attempts: number,
    eventId: string | undefined,
  ): Promise<void> {
    const ctx = {
      ...this.#options,
      stopping: () => this.#stopping,
      report: (e: ConsumerEvent) => this.#report(e),
    }
    return sendDeadLetter(ctx, m, { origin, error, attempts, ...(eventId ? { eventId } : {}) })
  }

  /**
   * Retries a kit-internal step (no user code: a dead-lettered event filling its slot, a parked
   * event's release) until it succeeds or the consumer stops. There is no attempt limit: skipping
   * the step would hold the aggregate's later events back for good. Store outages are waited out
   * as such; any other failure is logged as an error each time, only this partition waits, and
   * `stop()` is the way out.
   */
  async #durably<T>(step: () => Promise<T>): Promise<T> {
    const failedStep = (attempt: number, err: unknown) =>
      this.#options.logger.error(
        {
          attempt,
          error: describeError(err),
        },
        'sync-kit consumer: a step of its own failed; retrying',
      )
    const policy = { ...this.#retry, maxAttempts: Number.MAX_SAFE_INTEGER, onRetry: failedStep }
    for (let n = 1; ; n++) {
      const res = await retrying(policy, step)
      if (res.ok) return res.value
      failedStep(n, res.error)
      await this.#options.sleep(
        backoffMs(n, this.#options.backoffBaseMs, this.#options.backoffMaxMs),
      )
    }
  }

  #retryFor(eventId: string): RetryPolicy {
    return {
      ...this.#retry,
      onRetry: (attempt, err) =>
        this.#report({ type: 'consumer:retried', eventId, attempt, error: describeError(err) }),
    }
  }

  #tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const lock = this.#options.sharedLock
    return this.#options.db.transaction(fn, lock === undefined ? {} : { sharedLock: lock })
  }

  #report(event: ConsumerEvent): void {
    count(this.#metrics, event)
    this.#options.onEvent?.(event)
  }
}

/** Creates an effectively-once consumer; call `start()` to begin. */
export function createConsumer<Tx>(options: ConsumerOptions<Tx>): Consumer<Tx> {
  return new Consumer(options)
}
