/**
 * Names shared by the order side's processes: a service's Kafka topics, consumer groups and its
 * relay's replication slot are all derived here, so a relay and the consumers of what it
 * publishes can never disagree.
 */

/**
 * `name` under the run's namespace: the namespace is a plain prefix (it carries its own
 * separator, e.g. `run7.`), as on the catalog side, so both sides name topics alike.
 */
export function namespaced(namespace: string, name: string): string {
  return `${namespace}${name}`
}

/**
 * The topic a channel's events travel on: sync-kit's relay convention `outbox.event.<aggregate
 * type>` (saga-kit's transport sends a channel's messages as that aggregate type).
 */
export function channelTopic(namespace: string, channel: string): string {
  return namespaced(namespace, `outbox.event.${channel}`)
}

/**
 * The replication slot of one database's relay. Slots are per cluster, not per database, so the
 * name carries the database and the namespace; Postgres allows `[a-z0-9_]`, at most 63 chars.
 */
export function relaySlot(namespace: string, database: string): string {
  const raw = `fl_${namespace}_${database}`.toLowerCase().replace(/[^a-z0-9_]/g, '_')
  return raw.slice(0, 63)
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
 * more partitions than the broker's default) can include them.
 */
export function orderSideTopics(namespace: string): string[] {
  return Object.values(CHANNELS).map((channel) => channelTopic(namespace, channel))
}
