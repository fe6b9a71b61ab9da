/**
 * Proof that a Kafka chaos run's messages really went outbox → relay → Kafka → inbox, so the run
 * cannot pass on some other transport by mistake.
 */
import { expect } from 'vitest'
import type pg from 'pg'
import { Kafka, logLevel } from 'kafkajs'
import { count } from '../support/harness.js'
import { CHAOS_CHANNELS, CHAOS_PARTITIONS } from './transports.js'

/** Messages per channel: outbox rows, records on its topic, and inbox claims of its consumers. */
export type ChannelTraffic = Record<string, { outbox: number; kafka: number; inbox: number }>

const topicOf = (channel: string) => `outbox.event.${channel}`

/** Creates the channels' topics, several partitions each. */
export async function createChaosTopics(brokers: string[]): Promise<void> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  await admin.createTopics({
    topics: CHAOS_CHANNELS.map((copy) => ({
      topic: topicOf(copy),
      numPartitions: CHAOS_PARTITIONS,
    })),
  })
  await admin.disconnect()
}

/** Records on each channel's topic: the sum of its partitions' end offsets. */
async function topicRecords(brokers: string[]): Promise<Record<string, number>> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    const out: Record<string, number> = {}
    for (const copy of CHAOS_CHANNELS) {
      const offsets = await admin.fetchTopicOffsets(topicOf(copy))
      out[copy] = offsets.reduce((index, offset) => index + Number(offset.high), 0)
    }
    return out
  } finally {
    await admin.disconnect()
  }
}

async function traffic(pool: pg.Pool, brokers: string[]): Promise<ChannelTraffic> {
  const kafka = await topicRecords(brokers)
  const out: ChannelTraffic = {}
  for (const copy of CHAOS_CHANNELS) {
    out[copy] = {
      outbox: await count(pool, 'SELECT count(*) n FROM sync_outbox WHERE aggregatetype = $1', [
        copy,
      ]),
      kafka: kafka[copy] ?? 0,
      // The transport's consumer group is `saga.<channel>`, which is also its inbox namespace.
      inbox: await count(pool, 'SELECT count(*) n FROM sync_inbox WHERE namespace = $1', [
        `saga.${copy}`,
      ]),
    }
  }
  return out
}

/**
 * Every command and reply was written to the outbox, published to its topic at least once (more
 * after a relay kill), and claimed exactly once by its consumers' inbox; none used the pg queue.
 */
export async function expectTravelledThroughKafka(
  pool: pg.Pool,
  brokers: string[],
): Promise<ChannelTraffic> {
  expect(await count(pool, 'SELECT count(*) n FROM saga.message')).toBe(0)
  // Replies to steps that already timed out may still be on their way when the last saga ends.
  let seen = await traffic(pool, brokers)
  for (let end = Date.now() + 60_000; Date.now() < end;) {
    if (Object.values(seen).every((timer) => timer.inbox === timer.outbox)) break
    await new Promise((resolve) => setTimeout(resolve, 500))
    seen = await traffic(pool, brokers)
  }
  for (const copy of CHAOS_CHANNELS) {
    const timer = seen[copy]!
    expect(timer.outbox, copy).toBeGreaterThan(0)
    expect(timer.kafka, copy).toBeGreaterThanOrEqual(timer.outbox)
    expect(timer.inbox, copy).toBe(timer.outbox)
  }
  return seen
}
