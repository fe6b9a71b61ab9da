import { describe, expect, it } from 'vitest'
import {
  isTopologyError,
  seedProducts,
  topologyServices,
  type TopologyServiceContext,
} from '../../src/index.js'
import { checkStartOptions } from '../../src/start-topology/options.js'
import { withDependencies } from '../../src/start-topology/service-selection.js'

const db = (name: string) => ({ url: `postgres://p/${name}`, replicaUrl: `postgres://r/${name}` })
const ctx: TopologyServiceContext = {
  infra: {
    postgresUrl: 'postgres://p',
    postgresReplicaUrl: 'postgres://r',
    redisUrl: 'redis://r',
    kafkaBrokers: ['k:9092'],
  },
  databases: {
    catalog: db('catalog'),
    orders: db('orders'),
    inventory: db('inventory'),
    payments: db('payments'),
    search: db('search'),
    shipping: db('shipping'),
  },
  kafkaBrokers: ['k:9092'],
  redisUrl: 'redis://r',
  runDir: '/tmp/run',
  seed: 1,
  namespace: 'ns.',
  testHooks: false,
}

function refusal(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    if (isTopologyError(error)) return `${error.code}: ${error.message}`
    throw error
  }
  return 'accepted'
}

describe('startTopology options', () => {
  it('refuses bad options before anything starts, naming the option', () => {
    expect(refusal(() => checkStartOptions({ replicas: { 'catalog-query': 0 } }))).toMatch(
      /E_TOPOLOGY_INVALID_OPTION: .*replicas\['catalog-query'\]/,
    )
    expect(refusal(() => checkStartOptions({ products: -1 }))).toMatch(/products/)
    expect(refusal(() => checkStartOptions({ seed: 1.5 }))).toMatch(/seed/)
    expect(refusal(() => checkStartOptions({ namespace: 'Bad Name' }))).toMatch(/namespace/)
    expect(
      refusal(() => checkStartOptions({ replicas: { 'catalog-query': 3 }, products: 10 })),
    ).toBe('accepted')
  })
})

describe('seed products', () => {
  it('derives the same catalog from the same seed, and another from another seed', () => {
    expect(seedProducts(7, { count: 50 })).toEqual(seedProducts(7, { count: 50 }))
    expect(seedProducts(8, { count: 50 })).not.toEqual(seedProducts(7, { count: 50 }))
  })

  it('spreads products over the categories with the stock asked for', () => {
    const products = seedProducts(1, { count: 12, categories: ['a', 'b', 'c'], stock: 5 })
    expect(products.filter((product) => product.category === 'a')).toHaveLength(4)
    expect(new Set(products.map((product) => product.stock))).toEqual(new Set([5]))
  })
})

describe('catalog service definitions', () => {
  const definitions = topologyServices(ctx)
  const byName = new Map(definitions.map((definition) => [definition.name, definition]))

  it('starts the relay before any writer of its outbox, and catalog-query after the table exists', () => {
    expect(byName.get('catalog-admin')?.dependsOn).toEqual(['relay-catalog'])
    expect(byName.get('search')?.dependsOn).toEqual(['relay-catalog'])
    expect(byName.get('catalog-query')?.dependsOn).toEqual(['catalog-admin'])
  })

  it('runs every relay, catalog and order side, from the one relay module, each on its own slot', () => {
    const relays = definitions.filter((definition) => definition.name.startsWith('relay-'))
    expect(relays.map((definition) => definition.name).sort()).toEqual([
      'relay-catalog',
      'relay-inventory',
      'relay-orders',
      'relay-payments',
      'relay-shipping',
    ])
    expect(new Set(relays.map((definition) => definition.entry)).size).toBe(1)
    expect(relays[0]?.entry).toMatch(/services[/\\]relay[/\\]main\.[jt]s$/)
    const slots = relays.map((definition) => (definition.config as { slot: string }).slot)
    expect(new Set(slots).size).toBe(relays.length)
    expect(byName.get('relay-catalog')?.config).toMatchObject({
      slot: 'ns_relay_catalog',
      topics: ['ns.outbox.event.product'],
      partitions: 3,
    })
  })

  it('gives every catalog-query instance its own consumer group, under the namespace', () => {
    const config = byName.get('catalog-query')?.config
    if (typeof config !== 'function') throw new Error('catalog-query config must be per instance')
    const group = (index: number) =>
      config({ service: 'catalog-query', index, id: `catalog-query-${index}`, runDir: '/tmp/run' })
        .groupId
    expect(group(1)).toBe('ns.catalog-query.catalog-query-1')
    expect(group(2)).not.toBe(group(1))
  })

  it('selects a service with everything it depends on', () => {
    expect(
      withDependencies(definitions, ['catalog-query'])
        .map((definition) => definition.name)
        .sort(),
    ).toEqual(['catalog-admin', 'catalog-query', 'relay-catalog'])
    expect(refusal(() => withDependencies(definitions, ['nope']))).toMatch(
      /E_TOPOLOGY_UNKNOWN_SERVICE/,
    )
  })
})
