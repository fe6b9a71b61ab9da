import { expect, test } from 'vitest'
import { decodeEnvelope, encodeEnvelope, type EventEnvelope } from '../envelope.js'
import { isSyncKitError } from '../errors.js'
import type { EventPublisher, OutgoingMessage } from '../ports.js'
import { uuidv7 } from '../uuidv7.js'

/** What a contract run needs from an adapter's test file. */
export interface PublisherHarness {
  /** A fresh publisher. */
  create(): Promise<EventPublisher>
  /** A topic (or routing key) nobody used before, ready to receive. */
  freshTopic(): Promise<string>
  /** Reads back `count` messages of `topic`, in broker order. */
  read(
    topic: string,
    count: number,
  ): Promise<{ key: string; value: Buffer; headers: Record<string, string> }[]>
}

/** A valid envelope with a traceparent header, for publisher tests. */
export function envelope(aggregateId: string, sequence: number): EventEnvelope {
  return {
    id: uuidv7(),
    aggregateType: 'contract',
    aggregateId,
    type: 'contract.happened',
    schemaVersion: 1,
    sequence,
    payload: { sequence },
    headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    occurredAt: new Date().toISOString(),
  }
}

/**
 * The EventPublisher contract: every adapter must pass it. Durability itself is shown by the
 * relay crash tests; here: shape of results, per-key order, headers, and close().
 */
export function eventPublisherContract(name: string, harness: PublisherHarness): void {
  test(`${name}: one ok result per message, and the broker has them all with headers`, async () => {
    const publisher = await harness.create()
    const topic = await harness.freshTopic()
    const messages: OutgoingMessage[] = Array.from({ length: 30 }, (_, i) => ({
      topic,
      ...encodeEnvelope(envelope(`k${i % 3}`, Math.floor(i / 3) + 1)),
    }))
    const results = await publisher.publish(messages)
    expect(results).toHaveLength(30)
    expect(results.every((r) => r.ok)).toBe(true)
    const got = await harness.read(topic, 30)
    await publisher.close()
    expect(got.map((m) => decodeEnvelope(m.value).id).sort()).toEqual(
      messages.map((m) => decodeEnvelope(m.value).id).sort(),
    )
    expect(got[0]!.headers.traceparent).toMatch(/^00-/)
    // Per key, the broker order is the publish order.
    for (const key of ['k0', 'k1', 'k2']) {
      const seqs = got.filter((m) => m.key === key).map((m) => decodeEnvelope(m.value).sequence)
      expect(seqs).toEqual(Array.from({ length: 10 }, (_, i) => i + 1))
    }
  })

  test(`${name}: an empty batch yields no results`, async () => {
    const publisher = await harness.create()
    expect(await publisher.publish([])).toEqual([])
    await publisher.close()
  })

  test(`${name}: publish() after close() rejects with E_SYNC_CLOSED`, async () => {
    const publisher = await harness.create()
    await publisher.close()
    const topic = await harness.freshTopic()
    const err: unknown = await publisher
      .publish([{ topic, ...encodeEnvelope(envelope('k', 1)) }])
      .catch((e: unknown) => e)
    expect(isSyncKitError(err, 'E_SYNC_CLOSED')).toBe(true)
  })
}
