import type { Kafka, KafkaMessage } from 'kafkajs'

/** Options for {@link readTopic}. */
export interface ReadTopicOptions {
  /** Also read records of open and aborted transactions. @default false */
  readonly readUncommitted?: boolean
  /** Give up after this long. @default 60000 */
  readonly timeoutMs?: number
}

/**
 * Reads `topic` from the beginning in a fresh consumer group until `enough(seen)` holds, and
 * returns every message read by then, in arrival order.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  enough: (seen: readonly KafkaMessage[]) => boolean,
  options: ReadTopicOptions = {},
): Promise<KafkaMessage[]> {
  const groupId = `g-${Math.random().toString(36).slice(2)}`
  const readUncommitted = options.readUncommitted ?? false
  const consumer = kafka.consumer({ groupId, readUncommitted, maxWaitTimeInMs: 200 })
  const seen: KafkaMessage[] = []
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`gave up on ${topic} after reading ${seen.length} messages`)),
        options.timeoutMs ?? 60_000,
      )
      void consumer.run({
        eachMessage: ({ message }) => {
          seen.push(message)
          if (enough(seen)) {
            clearTimeout(timer)
            resolve()
          }
          return Promise.resolve()
        },
      })
    })
  } finally {
    await consumer.disconnect()
  }
  return seen
}
