import { Kafka, logLevel } from 'kafkajs'
import { decodeEnvelope, uuidv7, type EventEnvelope } from '@faultline/sync-kit'

/** A message read back from a topic, with its coordinates. */
export interface RawMessage {
  readonly partition: number
  readonly offset: number
  readonly key: string
  readonly value: Buffer
  readonly headers: Readonly<Record<string, string>>
}

/** A message read back from an event topic, with its decoded envelope. */
export interface ReadMessage extends RawMessage {
  readonly envelope: EventEnvelope
}

/**
 * Creates `topic` with `partitions` partitions (so per-key ordering is tested across partitions)
 * and any topic configs, e.g. `{ 'max.message.bytes': '3145728' }`.
 */
export async function createTopic(
  brokers: string[],
  topic: string,
  partitions = 3,
  config: Readonly<Record<string, string>> = {},
): Promise<void> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  const configEntries = Object.entries(config).map(([name, value]) => ({ name, value }))
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitions, configEntries }],
    waitForLeaders: true,
  })
  await admin.disconnect()
}

/**
 * Reads every message of `topic` up to the current high watermarks, in partition order. The
 * watermarks are read first, so the result is exactly the log at that moment.
 */
export async function readTopic(brokers: string[], topic: string): Promise<ReadMessage[]> {
  const raw = await readTopicRaw(brokers, topic)
  return raw.map((m) => ({ ...m, envelope: decodeEnvelope(m.value) }))
}

/** Like {@link readTopic}, for topics whose values are not envelopes (invalid rows, dead letters). */
export async function readTopicRaw(brokers: string[], topic: string): Promise<RawMessage[]> {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  const offsets = await admin.fetchTopicOffsets(topic)
  await admin.disconnect()
  const high = new Map(offsets.map((o) => [o.partition, Number(o.high)]))
  const out: RawMessage[] = []
  const next = new Map(offsets.map((o) => [o.partition, Number(o.low)]))
  const done = () => [...high].every(([p, h]) => (next.get(p) ?? 0) >= h)
  if (done()) return out
  const consumer = kafka.consumer({ groupId: `read-${uuidv7()}` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reading ${topic} timed out`)), 60_000)
    consumer
      .run({
        eachMessage: ({ partition, message }) => {
          const offset = Number(message.offset)
          if (offset < (high.get(partition) ?? 0)) {
            out.push({
              partition,
              offset,
              key: message.key?.toString() ?? '',
              value: message.value ?? Buffer.alloc(0),
              headers: Object.fromEntries(
                Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
              ),
            })
            next.set(partition, offset + 1)
          }
          if (done()) {
            clearTimeout(timer)
            resolve()
          }
          return Promise.resolve()
        },
      })
      .catch(reject)
  })
  await consumer.disconnect()
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset)
}

/**
 * Checks the topic against the outbox: every outbox id at least once; per aggregate, walking
 * its partition, a sequence never jumps ahead of `max seen + 1` (replays after a crash go back,
 * never skip); and all of one aggregate's messages sit on one partition.
 */
export function compareWithOutbox(
  read: readonly ReadMessage[],
  outbox: readonly { id: string; aggregateId: string; sequence: number }[],
) {
  const ids = new Set(read.map((m) => m.envelope.id))
  const missing = outbox.filter((r) => !ids.has(r.id)).map((r) => r.id)
  // Start each aggregate just below its first sequence in `outbox` (it may not start at 1).
  const maxSeen = new Map<string, number>()
  for (const r of outbox) {
    maxSeen.set(r.aggregateId, Math.min(maxSeen.get(r.aggregateId) ?? Infinity, r.sequence - 1))
  }
  const partitionOf = new Map<string, number>()
  const orderViolations: string[] = []
  for (const m of read) {
    const agg = m.envelope.aggregateId
    const p = partitionOf.get(agg) ?? m.partition
    partitionOf.set(agg, p)
    if (p !== m.partition) orderViolations.push(`${agg} on partitions ${p} and ${m.partition}`)
    const max = maxSeen.get(agg) ?? 0
    if (m.envelope.sequence > max + 1)
      orderViolations.push(`${agg}: ${m.envelope.sequence} after ${max}`)
    maxSeen.set(agg, Math.max(max, m.envelope.sequence))
  }
  return { missing, orderViolations, duplicates: read.length - ids.size, distinct: ids.size }
}
