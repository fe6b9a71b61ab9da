import { Kafka, logLevel } from 'kafkajs'

/** Creates a topic whose message timestamps are set by the broker on append. */
export async function createLogAppendTopic(brokers: string[], topic: string): Promise<void> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  await admin.createTopics({
    topics: [
      {
        topic,
        numPartitions: 3,
        configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }],
      },
    ],
    waitForLeaders: true,
  })
  await admin.disconnect()
}

/** Event id → broker append time (ms), for every message up to the current high watermarks. */
export async function readAppendTimes(
  brokers: string[],
  topic: string,
): Promise<Map<string, number>> {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  const offsets = await admin.fetchTopicOffsets(topic)
  await admin.disconnect()
  const high = new Map(offsets.map((o) => [o.partition, Number(o.high)]))
  const next = new Map(offsets.map((o) => [o.partition, Number(o.low)]))
  const out = new Map<string, number>()
  const done = () => [...high].every(([p, h]) => (next.get(p) ?? 0) >= h)
  if (done()) return out
  const consumer = kafka.consumer({ groupId: `bench-${topic}-${Date.now()}` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: ({ partition, message }) => {
          const id = message.headers?.['fl-event-id']?.toString()
          if (id && !out.has(id)) out.set(id, Number(message.timestamp))
          next.set(partition, Number(message.offset) + 1)
          if (done()) resolve()
          return Promise.resolve()
        },
      })
      .catch(reject)
  })
  await consumer.disconnect()
  return out
}

/**
 * `events` over the time between the first and the last broker append on `topic`: a system's
 * rate with its start-up left out, measured the same way for every system.
 */
export async function brokerRate(
  brokers: string[],
  topic: string,
  events: number,
): Promise<number> {
  const times = [...(await readAppendTimes(brokers, topic)).values()]
  return events / ((Math.max(...times) - Math.min(...times)) / 1000)
}
