/** The products topic: sync-kit's relay default for aggregate type `product` (Debezium's outbox convention). */
export const PRODUCT_TOPIC = 'outbox.event.product'

/** Partitions of every topic the topology creates: enough for 3 consumers of one group to share. */
export const TOPIC_PARTITIONS = 3

/** `base` under the run's namespace, so two runs on one broker never share a topic. */
export function topicName(namespace: string, base: string): string {
  return `${namespace}${base}`
}

/** A consumer group under the run's namespace. */
export function groupName(namespace: string, base: string): string {
  return `${namespace}${base}`
}
