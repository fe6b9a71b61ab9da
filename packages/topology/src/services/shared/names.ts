/** The products topic: sync-kit's relay default for aggregate type `product` (Debezium's outbox convention). */
export const PRODUCT_TOPIC = 'outbox.event.product'

/**
 * Partitions of every topic the topology creates, catalog and order side alike: enough for 3
 * consumers of one group to share. Every event is keyed by its aggregate id (a product's id, a
 * saga's id, which is its order's id), so one product's or one saga's events stay in order on
 * any number of partitions.
 */
export const TOPIC_PARTITIONS = 3

/** `base` under the run's namespace, so two runs on one broker never share a topic. */
export function topicName(namespace: string, base: string): string {
  return `${namespace}${base}`
}

/** A consumer group under the run's namespace. */
export function groupName(namespace: string, base: string): string {
  return `${namespace}${base}`
}

/**
 * The topic a relay publishes an aggregate type's events to: sync-kit's convention
 * `outbox.event.<aggregate type>` under the run's namespace. saga-kit's transport sends a
 * channel's messages as that aggregate type, so a saga channel's topic is named the same way.
 */
export function outboxTopic(namespace: string, aggregateType: string): string {
  return topicName(namespace, `outbox.event.${aggregateType}`)
}
