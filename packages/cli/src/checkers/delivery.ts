import type { HistoryEvent } from '../history/events.js'
import type { CheckerPass } from './checker.js'
import { Findings, missingPart } from './findings.js'
import { COMMON_SPECS, defineChecker, type CommonOptions } from './options.js'
import { QuiescenceGate, type QuiescenceOptions } from './quiescence.js'
import type { ConsumerApplied, OutboxEventRow, StreamSnapshot, SystemSnapshot } from './snapshot.js'
import { groupBy } from './sorted.js'
import type { CheckResult } from './verdict.js'

/** Options of the {@link delivery} checker. */
export interface DeliveryOptions extends CommonOptions, QuiescenceOptions {}

class DeliveryPass implements CheckerPass {
  private readonly findings: Findings
  private readonly gate: QuiescenceGate

  constructor(options: DeliveryOptions) {
    this.findings = new Findings('delivery', delivery.guarantees, options.maxCounterexamples)
    this.gate = new QuiescenceGate(this.findings, options)
  }

  observe(event: HistoryEvent): void {
    this.gate.observe(event)
  }

  finish(snapshot: SystemSnapshot): CheckResult {
    const streams = snapshot.streams ?? []
    if (snapshot.streams === undefined)
      this.findings.undecided(missingPart('streams', snapshot.unavailable))
    for (const stream of streams) this.checkStream(stream)
    if (snapshot.streams !== undefined && (this.findings.stats.outboxEvents ?? 0) === 0) {
      this.findings.undecided('no outbox events in any stream: nothing was delivered to check')
    }
    this.gate.finish()
    const { outboxEvents = 0, applications = 0 } = this.findings.stats
    return this.findings.result(
      `${outboxEvents} outbox events on ${streams.length} stream(s), ${applications} applications by consumers`,
    )
  }

  private checkStream(stream: StreamSnapshot): void {
    const outbox = new Map(stream.outbox.map((row) => [row.id, row]))
    this.findings.count('outboxEvents', outbox.size)
    this.checkPublished(stream, outbox)
    if (stream.consumers.length === 0) {
      this.findings.undecided(
        `stream ${stream.name} has no consumers in the snapshot (S2 not checked)`,
      )
    }
    for (const consumer of stream.consumers) this.checkConsumer(stream, outbox, consumer)
  }

  /** S1: every outbox event is on the topic at least once. */
  private checkPublished(stream: StreamSnapshot, outbox: Map<string, OutboxEventRow>): void {
    if (stream.published === undefined) {
      return this.findings.undecided(
        `stream ${stream.name}: topic ${stream.topic} was not read (S1 not checked)`,
      )
    }
    const onTopic = new Set(stream.published.map((m) => m.eventId))
    this.findings.count('messages', stream.published.length)
    this.findings.count('duplicateMessages', stream.published.length - onTopic.size)
    for (const id of onTopic) if (!outbox.has(id)) this.findings.count('messagesNotInOutbox')
    for (const row of outbox.values()) {
      if (onTopic.has(row.id)) continue
      this.gate.absent('lost', {
        message: `event ${row.id} (${row.aggregate} #${row.sequence}) is in ${stream.name}'s outbox but never reached topic ${stream.topic}`,
        key: row.id,
        detail: {
          stream: stream.name,
          topic: stream.topic,
          aggregate: row.aggregate,
          sequence: row.sequence,
        },
      })
    }
  }

  /** S2: each expected event applied exactly once, and per aggregate in sequence order. */
  private checkConsumer(
    stream: StreamSnapshot,
    outbox: Map<string, OutboxEventRow>,
    consumer: ConsumerApplied,
  ): void {
    const applied = new Map(consumer.applied.map((a) => [a.eventId, a]))
    const handles = consumer.handles === undefined ? undefined : new Set(consumer.handles)
    const where = `consumer ${consumer.name} of ${stream.name}`
    for (const a of consumer.applied) {
      this.findings.count('applications', a.count)
      if (!outbox.has(a.eventId)) this.findings.count('appliedNotInOutbox')
    }
    for (const row of outbox.values()) {
      if (handles !== undefined && (row.type === undefined || !handles.has(row.type))) continue
      const count = applied.get(row.id)?.count ?? 0
      const detail = {
        consumer: consumer.name,
        stream: stream.name,
        aggregate: row.aggregate,
        sequence: row.sequence,
        count,
      }
      if (count === 0) {
        this.gate.absent('notApplied', {
          message: `${where} never applied event ${row.id} (${row.aggregate} #${row.sequence})`,
          key: row.id,
          detail,
        })
      } else if (count > 1) {
        this.findings.violation('appliedMoreThanOnce', {
          message: `${where} applied event ${row.id} (${row.aggregate} #${row.sequence}) ${count} times`,
          key: row.id,
          detail,
        })
      }
    }
    this.checkOrder(where, outbox, consumer)
  }

  private checkOrder(
    where: string,
    outbox: Map<string, OutboxEventRow>,
    consumer: ConsumerApplied,
  ): void {
    const known = consumer.applied.filter((a) => outbox.has(a.eventId))
    const unordered = known.filter((a) => a.order === undefined).length
    if (unordered > 0)
      this.findings.undecided(`${where}: apply order not recorded for ${unordered} event(s)`)
    const ordered = known.filter((a) => a.order !== undefined).sort((a, b) => a.order! - b.order!)
    const byAggregate = groupBy(ordered, (a) => outbox.get(a.eventId)!.aggregate)
    for (const [aggregate, events] of byAggregate) {
      for (let i = 1; i < events.length; i++) {
        const before = outbox.get(events[i - 1]!.eventId)!
        const after = outbox.get(events[i]!.eventId)!
        if (after.sequence > before.sequence) continue
        this.findings.violation('outOfOrder', {
          message: `${where} applied ${aggregate} #${after.sequence} (event ${after.id}) after #${before.sequence} (event ${before.id})`,
          key: aggregate,
          detail: {
            consumer: consumer.name,
            first: before.id,
            second: after.id,
            firstSequence: before.sequence,
            secondSequence: after.sequence,
          },
        })
      }
    }
  }
}

/**
 * **delivery** (S1, S2): outbox against the topic against each consumer.
 *
 * - S1, no lost events: every event in a stream's outbox (`sync_outbox`) is on its topic at
 *   least once (duplicates are allowed and counted).
 * - S2, effectively once and in order: every consumer applied each event it handles exactly
 *   once (`count` 1), and, ordering its applications by `order`, one aggregate's events were
 *   applied in increasing `sequence`.
 *
 * Absences (not on the topic, never applied) count as violations only after quiescence (see
 * {@link QuiescenceOptions}); a double application or a reordering is a violation at any time.
 * `unknown` without `streams`, without outbox events, for a topic not read, a stream without
 * consumers, or a consumer whose apply order was not recorded.
 */
export const delivery = defineChecker<DeliveryOptions>({
  name: 'delivery',
  guarantees: ['S1', 'S2'],
  description:
    'every outbox event reached the topic, and every consumer applied it exactly once, in order per aggregate',
  defaults: { maxCounterexamples: 20, requireQuiescence: true },
  specs: { ...COMMON_SPECS, requireQuiescence: { kind: 'boolean' } },
  begin: (options) => new DeliveryPass(options),
})
