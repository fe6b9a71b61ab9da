import kafkajs, { type Admin } from 'kafkajs'
import type { TopicRequirement, TopicStatus } from '../ports.js'

// kafkajs is CommonJS, and Node's ESM loader does not see this export by name.
const { ConfigResourceTypes } = kafkajs

const TOPIC_LIMIT = 'max.message.bytes'
const BROKER_LIMIT = 'message.max.bytes'

/** `max.message.bytes` of each topic (the broker's default where the topic does not set one). */
async function topicLimits(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  if (topics.length === 0) return new Map()
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({
      type: ConfigResourceTypes.TOPIC,
      name,
      configNames: [TOPIC_LIMIT],
    })),
  })
  return new Map(
    resources.flatMap((r) => {
      const value = Number(r.configEntries.find((e) => e.configName === TOPIC_LIMIT)?.configValue)
      return Number.isFinite(value) ? [[r.resourceName, value] as const] : []
    }),
  )
}

/** The broker's `message.max.bytes`: what a topic created without its own limit takes. */
async function brokerLimit(admin: Admin): Promise<number | undefined> {
  const { brokers } = await admin.describeCluster()
  const first = brokers[0]
  if (first === undefined) return undefined
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [
      { type: ConfigResourceTypes.BROKER, name: String(first.nodeId), configNames: [BROKER_LIMIT] },
    ],
  })
  const value = Number(resources[0]?.configEntries[0]?.configValue)
  return Number.isFinite(value) ? value : undefined
}

/** The largest `max.message.bytes` among `topics`; one that does not exist yet counts as the broker's. */
async function largestSourceLimit(admin: Admin, topics: readonly string[], existing: Set<string>) {
  const present = topics.filter((t) => existing.has(t))
  const limits = [...(await topicLimits(admin, present)).values()]
  if (present.length < topics.length) limits.push((await brokerLimit(admin)) ?? 0)
  const largest = Math.max(0, ...limits)
  return largest > 0 ? largest : undefined
}

/**
 * Makes sure `requirement.topic` takes every message its source topics take, plus the headroom:
 * a missing topic is created with that `max.message.bytes`; an existing one is only measured
 * (kafkajs has no incremental config change, and a full one would reset the topic's other
 * settings), and reported as not fitting when its limit is smaller.
 */
export async function ensureKafkaTopic(
  admin: Admin,
  requirement: TopicRequirement,
): Promise<TopicStatus> {
  const { topic, fitMessagesOf, headroomBytes } = requirement
  const existing = new Set(await admin.listTopics())
  const largest = await largestSourceLimit(admin, fitMessagesOf, existing)
  const requiredBytes = largest === undefined ? undefined : largest + headroomBytes
  if (!existing.has(topic)) {
    const configEntries =
      requiredBytes === undefined ? [] : [{ name: TOPIC_LIMIT, value: String(requiredBytes) }]
    // false: another client created it meanwhile, so measure it like any existing topic.
    if (await admin.createTopics({ topics: [{ topic, configEntries }], waitForLeaders: true })) {
      return { topic, created: true, maxMessageBytes: requiredBytes, requiredBytes, fits: true }
    }
  }
  const maxMessageBytes = (await topicLimits(admin, [topic])).get(topic)
  const fits =
    requiredBytes === undefined || maxMessageBytes === undefined || maxMessageBytes >= requiredBytes
  return { topic, created: false, maxMessageBytes, requiredBytes, fits }
}
