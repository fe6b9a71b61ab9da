import { Kafka, logLevel, type Admin } from 'kafkajs'
import { TopologyError } from '../../errors.js'
import { TOPIC_PARTITIONS } from './names.js'

/** Options of {@link ensureTopics}. */
export interface EnsureTopicsOptions {
  readonly brokers: readonly string[]
  readonly topics: readonly string[]
  /** Partitions of a topic created here; an existing topic is left as it is. @default TOPIC_PARTITIONS */
  readonly partitions?: number
  /** Names the admin client in the broker's logs. @default 'faultline-topology' */
  readonly clientId?: string
  /** How long a new topic may take to have a leader on every partition. @default 30000 */
  readonly timeoutMs?: number
}

/** The first wait between two looks at a topic's leaders; it doubles up to {@link LEADER_POLL_MAX_MS}. */
const LEADER_POLL_MS = 25
const LEADER_POLL_MAX_MS = 500

/**
 * Creates the topics that do not exist yet with {@link TOPIC_PARTITIONS} partitions, and returns
 * once every partition of every topic has a leader. Whoever subscribes or publishes first must
 * find the topic: a topic a consumer or producer creates by accident gets the broker's default
 * of one partition, and one another client is still creating answers "not the leader" for a
 * moment. Two processes ensuring one topic at once is fine: the loser finds it existing.
 */
export async function ensureTopics(options: EnsureTopicsOptions): Promise<void> {
  const topics = [...new Set(options.topics)]
  if (topics.length === 0) return
  const kafka = new Kafka({
    clientId: options.clientId ?? 'faultline-topology',
    brokers: [...options.brokers],
    logLevel: logLevel.NOTHING,
  })
  const admin = kafka.admin()
  await admin.connect()
  try {
    const existing = new Set(await admin.listTopics())
    const missing = topics.filter((topic) => !existing.has(topic))
    if (missing.length > 0)
      // Not kafkajs's own wait: it gives up when the new topic's metadata has not reached the
      // broker yet ("does not host this topic-partition"); waitForLeaders below keeps looking.
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: options.partitions ?? TOPIC_PARTITIONS,
          replicationFactor: 1,
        })),
      })
    await waitForLeaders(admin, topics, options.timeoutMs ?? 30_000)
  } finally {
    await admin.disconnect()
  }
}

async function leaderless(admin: Admin, topics: readonly string[]): Promise<string[]> {
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [...topics] })
    return metadata.topics
      .filter((topic) => topic.partitions.some((partition) => partition.leader < 0))
      .map((topic) => topic.name)
  } catch {
    // A topic another client created a moment ago may not be in the metadata yet.
    return [...topics]
  }
}

/** Polls the metadata, a little slower each time, until every partition has a leader. */
async function waitForLeaders(
  admin: Admin,
  topics: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (let waitMs = LEADER_POLL_MS; ; waitMs = Math.min(waitMs * 2, LEADER_POLL_MAX_MS)) {
    const pending = await leaderless(admin, topics)
    if (pending.length === 0) return
    if (Date.now() + waitMs > deadline)
      throw new TopologyError(
        'E_TOPOLOGY_STARTUP_TIMEOUT',
        `topics ${pending.join(', ')} have no leader on every partition after ${timeoutMs} ms; check the Kafka broker's log`,
        { context: { topics: pending }, retryable: true },
      )
    await new Promise((resolve) => setTimeout(resolve, waitMs))
  }
}
