import { existsSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { readServiceConfig, type InstanceInfo, type ObjectSchema } from '../../src/index.js'
import { INVENTORY_CONFIG_SCHEMA } from '../../src/services/inventory/app.js'
import { orderServices, orderSideServices } from '../../src/services/order-services.js'
import { ORDERS_CONFIG_SCHEMA } from '../../src/services/orders/app.js'
import { PAYMENTS_CONFIG_SCHEMA } from '../../src/services/payments/app.js'
import { RELAY_CONFIG_SCHEMA } from '../../src/services/relay/config.js'
import { relaySlot } from '../../src/services/relay/definition.js'
import { channelTopic } from '../../src/services/shared/order-side/names.js'
import type { TopologyServiceContext } from '../../src/services/shared/context.js'
import { SHIPPING_CONFIG_SCHEMA } from '../../src/services/shipping/app.js'

const database = (name: string) => ({
  url: `postgres://u@127.0.0.1:5432/${name}`,
  replicaUrl: `postgres://u@127.0.0.1:5433/${name}`,
})

const ctx: TopologyServiceContext = {
  testHooks: false,
  infra: {
    postgresUrl: 'postgres://u@127.0.0.1:5432/',
    postgresReplicaUrl: 'postgres://u@127.0.0.1:5433/',
    redisUrl: 'redis://127.0.0.1:6379',
    kafkaBrokers: ['127.0.0.1:9092'],
  },
  databases: {
    catalog: database('catalog'),
    orders: database('orders'),
    inventory: database('inventory'),
    payments: database('payments'),
    search: database('search'),
    shipping: database('shipping'),
  },
  kafkaBrokers: ['127.0.0.1:9092'],
  redisUrl: 'redis://127.0.0.1:6379',
  runDir: '/tmp/run',
  seed: 42,
  namespace: 'run7.',
  auth: { jwksUrl: 'http://127.0.0.1:1/.well-known/jwks.json', issuer: 'i', audience: 'a' },
}

const SCHEMAS: Record<string, ObjectSchema> = {
  orders: ORDERS_CONFIG_SCHEMA,
  inventory: INVENTORY_CONFIG_SCHEMA,
  payments: PAYMENTS_CONFIG_SCHEMA,
  shipping: SHIPPING_CONFIG_SCHEMA,
}

describe('order side service definitions', () => {
  test('the registered factories describe the four services and their four relays', () => {
    const names = orderServices
      .flatMap((factory) => factory(ctx))
      .map((definition) => definition.name)
    expect(names.sort()).toEqual(
      [
        'inventory',
        'orders',
        'payments',
        'relay-inventory',
        'relay-orders',
        'relay-payments',
        'relay-shipping',
        'shipping',
      ].sort(),
    )
  })

  test('each service starts after its relay; orders after both participants', () => {
    const byName = new Map(
      orderSideServices(ctx).map((definition) => [definition.name, definition]),
    )
    expect(byName.get('orders')?.dependsOn).toEqual(['relay-orders', 'inventory', 'payments'])
    for (const name of ['inventory', 'payments', 'shipping'])
      expect(byName.get(name)?.dependsOn).toEqual([`relay-${name}`])
  })

  test("every entry exists and every config passes its process's own schema", () => {
    for (const definition of orderSideServices(ctx, { chaos: { failureRate: 0.1 } })) {
      expect(existsSync(definition.entry), definition.entry).toBe(true)
      const info: InstanceInfo = { service: definition.name, index: 1, id: 'x-1', runDir: '/tmp' }
      const own =
        typeof definition.config === 'function' ? definition.config(info) : definition.config
      const env = {
        FAULTLINE_SERVICE_CONFIG: JSON.stringify({
          ...own,
          service: definition.name,
          instance: `${definition.name}-1`,
        }),
      }
      const schema = SCHEMAS[definition.name] ?? RELAY_CONFIG_SCHEMA
      expect(() => readServiceConfig(schema, env), definition.name).not.toThrow()
    }
  })

  test('each relay creates the topics of what its database sends, before it is ready', () => {
    const topics = Object.fromEntries(
      orderSideServices(ctx)
        .filter((definition) => definition.name.startsWith('relay-'))
        .map((definition) => [definition.name, (definition.config as { topics: string[] }).topics]),
    )
    expect(topics).toEqual({
      'relay-orders': [
        'run7.outbox.event.saga.participant.inventory',
        'run7.outbox.event.saga.participant.payments',
        'run7.outbox.event.order',
      ],
      'relay-inventory': ['run7.outbox.event.saga.replies'],
      'relay-payments': ['run7.outbox.event.saga.replies'],
      'relay-shipping': ['run7.outbox.event.shipment'],
    })
  })

  test('topics and slots carry the namespace; slots are valid Postgres names', () => {
    expect(channelTopic('run7.', 'saga.replies')).toBe('run7.outbox.event.saga.replies')
    expect(channelTopic('', 'order')).toBe('outbox.event.order')
    const slot = relaySlot('Run-7.'.repeat(20), 'inventory')
    expect(slot).toMatch(/^[a-z0-9_]{1,63}$/)
    expect(relaySlot('run7.', 'orders')).not.toBe(relaySlot('run8.', 'orders'))
  })
})
