import type { PoolClient } from 'pg'
import { createConsumer, createPostgresStore, type Consumer } from '@faultline/sync-kit'
import type { OrderSideConfig } from '../shared/order-side/config.js'
import type { KitLogger } from '../shared/order-side/kit-logger.js'
import { kafkaEventConsumer, type Messaging } from '../shared/order-side/messaging.js'
import { CHANNELS, channelTopic, namespaced } from '../shared/order-side/names.js'

/** The fields of `catalog.product.changed@1` inventory reads. */
interface ProductChanged {
  readonly id?: unknown
  readonly stock?: unknown
  readonly change?: unknown
}

/**
 * Opens stock for products the catalog creates: a `created` event inserts the product's
 * starting units, unless inventory already has the product. Later changes leave the count
 * alone: from then on inventory owns the live count (reservations move it; restocking is
 * `PUT /admin/stock/:productId`), and the catalog's `stock` field is only what it was seeded with.
 */
async function openStock(tx: PoolClient, payload: ProductChanged): Promise<void> {
  if (payload.change !== 'created' || typeof payload.id !== 'string') return
  const units = Number.isSafeInteger(payload.stock) ? Math.max(0, payload.stock as number) : 0
  await tx.query(
    `INSERT INTO stock (product_id, available) VALUES ($1, $2) ON CONFLICT (product_id) DO NOTHING`,
    [payload.id, units],
  )
}

/** Inventory's consumer of the catalog's product events (its own group, inbox in its database). */
export function createProductStockConsumer(
  config: OrderSideConfig,
  messaging: Messaging,
  logger: KitLogger,
): Consumer<PoolClient> {
  return createConsumer<PoolClient>({
    groupId: namespaced(config.namespace, 'inventory.products'),
    topics: [channelTopic(config.namespace, CHANNELS.product)],
    handlers: {
      'catalog.product.changed': (tx, event) => openStock(tx, event.payload as ProductChanged),
    },
    // Other product event types (snapshots, future ones) are not inventory's business.
    unhandledTypes: 'ignore',
    consumer: kafkaEventConsumer(config.kafkaBrokers, logger),
    db: createPostgresStore({ pool: messaging.pool }),
    deadLetters: messaging.publisher,
    logger,
  })
}
