import { Kafka, logLevel } from 'kafkajs'
import { PRODUCT_TOPIC, TOPIC_PARTITIONS, topicName } from '../services/shared/names.js'

/**
 * Creates the catalog's topics with {@link TOPIC_PARTITIONS} partitions before any service
 * subscribes: an auto-created topic would get the broker's default of one partition, and a
 * consumer subscribing to a topic that does not exist yet only sees it after a metadata refresh.
 */
export async function createTopologyTopics(
  brokers: readonly string[],
  namespace: string,
): Promise<void> {
  const kafka = new Kafka({
    clientId: 'faultline-topology',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  })
  const admin = kafka.admin()
  await admin.connect()
  try {
    const wanted = [topicName(namespace, PRODUCT_TOPIC)]
    const existing = new Set(await admin.listTopics())
    const missing = wanted.filter((topic) => !existing.has(topic))
    if (missing.length > 0)
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: TOPIC_PARTITIONS,
          replicationFactor: 1,
        })),
      })
  } finally {
    await admin.disconnect()
  }
}
