import { PRODUCT_TOPIC, topicName } from '../services/shared/names.js'
import { orderSideTopics } from '../services/shared/order-side/names.js'
import { ensureTopics } from '../services/shared/topics.js'

/**
 * Creates every topic of the topology, the catalog's and the order side's, with
 * `TOPIC_PARTITIONS` partitions before any service subscribes or publishes: an auto-created
 * topic would get the broker's default of one partition, and a consumer subscribing to a topic
 * that does not exist yet only sees it after a metadata refresh. One admin call for all of them
 * is cheaper than each relay and consumer creating its own (they still make sure, so a
 * supervisor run without `startTopology` gets the same topics).
 */
export async function createTopologyTopics(
  brokers: readonly string[],
  namespace: string,
): Promise<void> {
  await ensureTopics({
    brokers,
    topics: [topicName(namespace, PRODUCT_TOPIC), ...orderSideTopics(namespace)],
  })
}
