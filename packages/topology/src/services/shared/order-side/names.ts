import { outboxTopic } from '../names.js'

/**
 * Names shared by the order side's processes: a service's Kafka topics and consumer groups are
 * derived here (topics through `outboxTopic`, as the relay names them), so a relay and the
 * consumers of what it publishes can never disagree.
 */

/**
 * `name` under the run's namespace: the namespace is a plain prefix (it carries its own
 * separator, e.g. `run7.`), as on the catalog side, so both sides name topics alike.
 */
export function namespaced(namespace: string, name: string): string {
  return `${namespace}${name}`
}

/**
 * The topic a channel's events travel on: the relay's `outbox.event.<aggregate type>` (saga-kit's
 * transport sends a channel's messages as that aggregate type).
 */
export function channelTopic(namespace: string, channel: string): string {
  return outboxTopic(namespace, channel)
}

/** The saga channels (saga-kit's defaults) and choreography channels of the order side. */
export const CHANNELS = {
  inventory: 'saga.participant.inventory',
  payments: 'saga.participant.payments',
  replies: 'saga.replies',
  /** `order.approved` events, emitted by the orders service when a saga reaches its pivot. */
  order: 'order',
  /** `shipment.created` events, emitted by shipping. */
  shipment: 'shipment',
  /** The catalog's `catalog.product.changed` events (aggregate type `product`). */
  product: 'product',
} as const

/**
 * Every topic the order side reads or writes, so whoever creates the run's topics up front (with
 * `TOPIC_PARTITIONS`, not the broker's default of one) can include them.
 */
export function orderSideTopics(namespace: string): string[] {
  return Object.values(CHANNELS).map((channel) => channelTopic(namespace, channel))
}
