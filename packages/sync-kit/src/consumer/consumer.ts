import { encodeEnvelope, type EventEnvelope } from '../envelope.js'
import { describeError, type SyncKitError } from '../errors.js'
import { agg, applyEvent, consumeDead, drainOne, ParkedFailure, type StepContext } from './apply.js'
import { decodeMessage, route, type Router } from './decode.js'
import { toDeadLetter } from './dead-letter.js'
import { count, type ConsumerEvent, type ConsumerMetrics } from './events.js'
import { partitionLag, type PartitionLag } from './lag.js'
import {
  resolveConsumerOptions,
  type ConsumerOptions,
  type ResolvedConsumerOptions,
} from './options.js'
import type {
  AggregateRef,
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
  storeUnavailable: 0,
})
const partKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`

/**
 * An effectively-once consumer: at-least-once delivery from the broker, made exactly-once in
 * effect by the inbox, applied per aggregate in sequence order, with retries and a dead-letter
 * topic so that no event blocks its partition for good. Create it with {@link createConsumer}.
 */
export class Consumer<Tx> {
  readonly #o: ResolvedConsumerOptions<Tx>
  readonly #router: Router<Tx>
  readonly #ctx: StepContext<Tx>
  readonly #retry: RetryPolicy
  readonly #metrics = emptyMetrics()
  readonly #positions = new Map<string, PartitionOffset>()
  readonly #stalledReported = new Set<string>()
  #stopping = false

  constructor(options: ConsumerOptions<Tx>) {
    const o = resolveConsumerOptions(options)
    this.#o = o
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
      onRetry: () => undefined,
    }
  }

  /** Joins the group and starts consuming; resolves once the subscription runs. */
  async start(): Promise<void> {
    this.#stopping = false
    // A group that resumes starts where it committed: count that as processed for caughtUp().
    for (const c of await this.#o.consumer.committedOffsets(this.#o.groupId, this.#o.topics)) {
      this.#positions.set(partKey(c.topic, c.partition), c)
    }
    await this.#resumeDrains()
    await this.#o.consumer.run({
      groupId: this.#o.groupId,
      topics: this.#o.topics,
      fromBeginning: this.#o.fromBeginning,
      eachMessage: (m) => this.#onMessage(m),
    })
  }

  /** Stops consuming. An event in the middle of its retries is left uncommitted for the next run. */
  async stop(): Promise<void> {
    this.#stopping = true
    await this.#o.consumer.stop()
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
      this.#o.consumer.endOffsets(this.#o.topics),
      this.#o.consumer.committedOffsets(this.#o.groupId, this.#o.topics),
    ])
    return partitionLag(ends, [...committed, ...this.#positions.values()])
  }

  /** Events held back behind a sequence gap, oldest first. */
  heldBack(): Promise<ParkedEvent[]> {
    return this.#o.db.listParked(this.#o.namespace)
  }

  /** Reports (once each) held-back events older than `gapAlarmMs`; returns them. */
  async checkGaps(): Promise<ParkedEvent[]> {
    const now = this.#o.clock.now()
    const stalled = (await this.heldBack()).filter((p) => now - p.parkedAt >= this.#o.gapAlarmMs)
    for (const p of stalled) {
      const key = `${p.event.id}`
      if (this.#stalledReported.has(key)) continue
      this.#stalledReported.add(key)
      this.#o.logger.warn('sync-kit consumer: an event has waited for a sequence gap too long', {
        aggregateType: p.event.aggregateType,
        aggregateId: p.event.aggregateId,
        sequence: p.event.sequence,
      })
      this.#report({
        type: 'consumer:gap-stalled',
        aggregate: agg(p.event),
        sequence: p.event.sequence,
        waitedMs: now - p.parkedAt,
      })
    }
    return stalled
  }

  async #onMessage(m: ConsumedMessage): Promise<void> {
    if (this.#stopping) throw STOPPED
    const origin: EventOrigin = { topic: m.topic, partition: m.partition, offset: m.offset }
    const decoded = decodeMessage(this.#router, m)
    if (!decoded.ok) {
      await this.#deadLetter(m, origin, decoded.error, 0, decoded.event?.id)
      if (decoded.event) await this.#afterDead(decoded.event, origin, false)
    } else {
      await this.#consume(m, origin, decoded.event, decoded.route)
    }
    this.#positions.set(partKey(m.topic, m.partition), {
      ...origin,
      offset: String(BigInt(m.offset) + 1n),
    })
  }

  async #consume(
    m: Raw,
    origin: EventOrigin,
    event: EventEnvelope,
    r: Parameters<typeof applyEvent<Tx>>[2],
  ) {
    const res = await retrying(this.#retryFor(event.id), (attempt) =>
      this.#tx((tx) =>
        applyEvent(tx, this.#ctx, r, event, { origin, attempt, groupId: this.#o.groupId }),
      ),
    )
    if (!res.ok) {
      const error = handlerFailure(res.error, res.attempts, event.id)
      await this.#deadLetter(m, origin, error, res.attempts, event.id)
      await this.#afterDead(event, origin, false)
      return
    }
    res.value.events.forEach((e) => this.#report(e))
    const { outcome } = res.value
    if (outcome === 'duplicate')
      this.#report({ type: 'consumer:duplicate', eventId: event.id, origin })
    if (outcome === 'applied' || outcome === 'ignored') {
      this.#report({ type: `consumer:${outcome}`, eventId: event.id, origin })
    }
    // A duplicate drains too: a crash between an apply and its drain leaves successors parked,
    // and the redelivery of that event is what releases them. An apply drains only when the
    // aggregate has parked events (checked under its position lock); under `report` nothing is
    // ever parked (what an earlier `hold` run parked is released at start). A drain costs a
    // transaction, most of a consumed event's round trips.
    if (res.value.parkedBehind && this.#o.gapPolicy === 'hold') await this.#drain(event)
    if (outcome === 'held') await this.checkGaps()
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
    const routeOf = (e: EventEnvelope) => route(this.#router, e) ?? { kind: 'ignore' as const }
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
          await this.#o.db.takeParked(tx, this.#o.namespace, event, event.sequence)
          await consumeDead(tx, this.#ctx, event, origin, true)
        }),
      )
    }
  }

  async #afterDead(event: EventEnvelope, origin: EventOrigin, claimed: boolean): Promise<void> {
    await this.#durably(() => this.#tx((tx) => consumeDead(tx, this.#ctx, event, origin, claimed)))
    await this.#drain(event)
  }

  /** Publishes a dead letter, waiting out broker failures (they are not the event's fault). */
  async #deadLetter(
    m: Raw,
    origin: EventOrigin,
    error: SyncKitError,
    attempts: number,
    eventId: string | undefined,
  ) {
    const message = toDeadLetter({
      topic: this.#o.deadLetterTopic,
      origin,
      key: m.key,
      value: m.value,
      headers: m.headers,
      error,
      attempts,
      groupId: this.#o.groupId,
      failedAt: this.#o.clock.now(),
    })
    for (let n = 1; ; n++) {
      if (this.#stopping) throw STOPPED
      const [result] = await this.#o.deadLetters.publish([message])
      if (result?.ok === true) break
      this.#o.logger.warn('sync-kit consumer: dead-letter publish failed; retrying', {
        topic: message.topic,
      })
      await this.#o.sleep(backoffMs(n, this.#o.backoffBaseMs, this.#o.backoffMaxMs))
    }
    this.#o.logger.warn('sync-kit consumer: dead-lettered a message', {
      ...origin,
      code: error.code,
      reason: error.message,
    })
    this.#report({
      type: 'consumer:dead-lettered',
      origin,
      code: error.code,
      reason: error.message,
      eventId,
      attempts,
    })
  }

  /** Retries a kit-internal step (no user code) until it succeeds or the consumer stops. */
  async #durably<T>(step: () => Promise<T>): Promise<T> {
    for (let n = 1; ; n++) {
      const res = await retrying({ ...this.#retry, maxAttempts: Number.MAX_SAFE_INTEGER }, step)
      if (res.ok) return res.value
      await this.#o.sleep(backoffMs(n, this.#o.backoffBaseMs, this.#o.backoffMaxMs))
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
    const lock = this.#o.sharedLock
    return this.#o.db.transaction(fn, lock === undefined ? {} : { sharedLock: lock })
  }

  #report(event: ConsumerEvent): void {
    count(this.#metrics, event)
    this.#o.onEvent?.(event)
  }
}

/** Creates an effectively-once consumer; call `start()` to begin. */
export function createConsumer<Tx>(options: ConsumerOptions<Tx>): Consumer<Tx> {
  return new Consumer(options)
}
