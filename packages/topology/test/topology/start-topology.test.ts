import { decodeJwt } from 'jose'
import { describe, expect, it } from 'vitest'
import {
  isTopologyError,
  seedProducts,
  topologyServices,
  type TopologyServiceContext,
} from '../../src/index.js'
import { startTopologyIssuer } from '../../src/start-topology/auth.js'
import { checkStartOptions } from '../../src/start-topology/options.js'
import { createKeySet, createTokenMinter } from '../../src/wiring/auth/index.js'
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
  auth: { jwksUrl: 'http://127.0.0.1:1/.well-known/jwks.json', issuer: 'i', audience: 'a' },
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

  it('refuses an auth option that could not issue or check tokens, naming it', async () => {
    const minter = createTokenMinter({ keySet: await createKeySet() })
    expect(refusal(() => checkStartOptions({ auth: { jwksUrl: 'ftp://x', minter } }))).toMatch(
      /E_TOPOLOGY_INVALID_OPTION: .*auth\.jwksUrl/,
    )
    const noMinter = { jwksUrl: 'http://idp/jwks' } as unknown as { jwksUrl: string; minter: never }
    expect(refusal(() => checkStartOptions({ auth: noMinter }))).toMatch(/auth\.minter/)
    const fakeKeys = { keySet: {} as never }
    expect(refusal(() => checkStartOptions({ auth: fakeKeys }))).toMatch(/auth\.keySet/)
    expect(
      refusal(() => checkStartOptions({ auth: { jwksUrl: 'https://idp/jwks', minter } })),
    ).toBe('accepted')
  })
})

describe('the topology issuer', () => {
  it('serves its own key set: the services get its JWKS URL, and tokens carry its iss and aud', async () => {
    const issuer = await startTopologyIssuer({ issuer: 'https://me', audience: 'shop' })
    try {
      expect(issuer.serviceConfig).toEqual({
        jwksUrl: `${issuer.url}/.well-known/jwks.json`,
        issuer: 'https://me',
        audience: 'shop',
      })
      const jwks = (await (await fetch(issuer.jwksUrl)).json()) as { keys: { kid: string }[] }
      expect(jwks.keys.map((key) => key.kid)).toContain(issuer.keySet?.current.kid)
      const token = await issuer.mintToken({ role: 'ops' })
      expect(decodeJwt(token)).toMatchObject({ iss: 'https://me', aud: 'shop', roles: ['ops'] })
    } finally {
      await issuer.close()
    }
  })

  it('with an external IdP, passes its JWKS URL to the services and mints through its minter', async () => {
    const keySet = await createKeySet()
    const minter = createTokenMinter({ keySet, issuer: 'https://idp', audience: 'api' })
    const issuer = await startTopologyIssuer({ jwksUrl: 'https://idp/keys', minter })
    expect(issuer.serviceConfig).toEqual({
      jwksUrl: 'https://idp/keys',
      issuer: 'https://idp',
      audience: 'api',
    })
    expect(issuer.url).toBeUndefined()
    expect(issuer.keySet).toBeUndefined()
    const token = await issuer.mintToken({ role: 'customer', sub: 'alice' })
    expect(token.split('.')).toHaveLength(3)
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

  it('gives every service, relays included, the auth config of the context', () => {
    const info = { service: 'x', index: 1, id: 'x-1', runDir: '/tmp/run' }
    for (const definition of definitions) {
      const config =
        typeof definition.config === 'function' ? definition.config(info) : definition.config
      expect(config?.auth, definition.name).toEqual(ctx.auth)
    }
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
