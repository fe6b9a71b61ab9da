import { randomUUID } from 'node:crypto'
import { Kafka, logLevel, type Admin } from 'kafkajs'
import type { TopicMessage } from '../../checkers/snapshot.js'

/** How long a topic read may take before it is reported as unavailable. */
const READ_TIMEOUT_MS = 60_000

/** The Kafka side of the topology, read by an admin client and throwaway consumers. */
export class TopologyKafka {
  readonly #kafka: Kafka
  readonly #namespace: string
  #admin: Promise<Admin> | undefined

  constructor(brokers: readonly string[], namespace: string) {
    this.#kafka = new Kafka({
      clientId: 'faultline-cli',
      brokers: [...brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 2 },
    })
    this.#namespace = namespace
  }

  #connected(): Promise<Admin> {
    this.#admin ??= (async () => {
      const admin = this.#kafka.admin()
      await admin.connect()
      return admin
    })().catch((error: unknown) => {
      this.#admin = undefined
      throw error
    })
    return this.#admin
  }

  /** The namespace's `outbox.event.*` topics. */
  async topics(): Promise<string[]> {
    const admin = await this.#connected()
    const prefix = `${this.#namespace}outbox.event.`
    return (await admin.listTopics()).filter((topic) => topic.startsWith(prefix))
  }

  /** Messages on a topic: the sum over partitions of high - low watermark. */
  async messageCount(topic: string): Promise<number> {
    const admin = await this.#connected()
    const offsets = await admin.fetchTopicOffsets(topic)
    return offsets.reduce((sum, part) => sum + Number(part.high) - Number(part.low), 0)
  }

  /** Messages not yet committed by the live consumer groups of the namespace, over every topic. */
  async consumerLag(): Promise<number> {
    const admin = await this.#connected()
    const topics = await this.topics()
    const ends = new Map<string, number>()
    for (const topic of topics)
      for (const part of await admin.fetchTopicOffsets(topic))
        ends.set(`${topic}/${part.partition}`, Number(part.high))
    const { groups } = await admin.listGroups()
    const ours = groups
      .map((group) => group.groupId)
      .filter((id) => id.startsWith(this.#namespace) && !id.startsWith('faultline-cli'))
    // A group without members (a drained or replaced instance's own group) is nobody's lag.
    const described = ours.length === 0 ? [] : (await admin.describeGroups(ours)).groups
    const live = described.filter((group) => group.members.length > 0).map((g) => g.groupId)
    let lag = 0
    for (const groupId of live) {
      const committed = await admin.fetchOffsets({ groupId, topics })
      for (const { topic, partitions } of committed)
        for (const part of partitions) {
          const end = ends.get(`${topic}/${part.partition}`) ?? 0
          const at = Number(part.offset)
          // -1: the group never committed on this partition (it may not read this topic at all).
          if (at >= 0) lag += Math.max(0, end - at)
        }
    }
    return lag
  }

  /** Every message on `topic` from the earliest offset, duplicates included. */
  async readTopic(topic: string): Promise<TopicMessage[]> {
    const admin = await this.#connected()
    const ends = new Map(
      (await admin.fetchTopicOffsets(topic)).map((part) => [part.partition, Number(part.high)]),
    )
    const remaining = new Set([...ends].filter(([, high]) => high > 0).map(([part]) => part))
    const messages: TopicMessage[] = []
    if (remaining.size === 0) return messages
    const consumer = this.#kafka.consumer({ groupId: `faultline-cli-${randomUUID()}` })
    await consumer.connect()
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`reading ${topic} took over ${READ_TIMEOUT_MS / 1000} s`)),
          READ_TIMEOUT_MS,
        )
        const run = async (): Promise<void> => {
          await consumer.subscribe({ topic, fromBeginning: true })
          await consumer.run({
            autoCommit: false,
            eachMessage: ({ partition, message }) => {
              const header = message.headers?.['fl-event-id']
              const eventId = header === undefined ? eventIdOf(message.value) : String(header)
              messages.push({ eventId, partition, offset: message.offset })
              if (Number(message.offset) + 1 >= (ends.get(partition) ?? 0))
                remaining.delete(partition)
              if (remaining.size === 0) {
                clearTimeout(timer)
                resolve()
              }
              return Promise.resolve()
            },
          })
        }
        run().catch(reject)
      })
    } finally {
      await consumer.disconnect()
    }
    return messages
  }

  async close(): Promise<void> {
    const admin = await this.#admin?.catch(() => undefined)
    await admin?.disconnect()
  }
}

function eventIdOf(value: Buffer | null): string {
  try {
    return String((JSON.parse(value?.toString() ?? '{}') as { id?: unknown }).id)
  } catch {
    return 'unreadable'
  }
}
