import { INFRA_PROCESSES, RELAY_PROCESSES } from '@faultline/scenarios'
import type { TargetDescription } from '../../core/target.js'
import { TOPOLOGY_OPERATIONS } from './invocations.js'

/** The topology's services (the `auth` service of the design is not in it yet). */
export const TOPOLOGY_SERVICES = [
  'catalog-admin',
  'catalog-query',
  'search',
  'orders',
  'inventory',
  'payments',
  'shipping',
] as const

/** catalog-query instances a fault may name (`catalog-query#0` … `#7`); scale up to this many. */
export const MAX_QUERY_INSTANCES = 8

function processNames(): string[] {
  const instances = (name: string, count: number): string[] =>
    Array.from({ length: count }, (_, index) => `${name}#${index}`)
  return [
    ...INFRA_PROCESSES,
    // `catalog-query` alone is the scale target.
    'catalog-query',
    ...TOPOLOGY_SERVICES.flatMap((name) =>
      instances(name, name === 'catalog-query' ? MAX_QUERY_INSTANCES : 1),
    ),
    ...RELAY_PROCESSES.map((name) => `${name}#0`),
  ]
}

/** What the topology target can do, before anything starts. */
export function describeTopology(attached: boolean): TargetDescription {
  return {
    name: 'topology',
    measuresReality: true,
    operations: TOPOLOGY_OPERATIONS,
    httpOperations: ['read-product'],
    processes: processNames(),
    // No link is routed through a fault proxy yet; see the README of this folder.
    links: [],
    faultKinds: attached ? ['pause'] : ['kill', 'pause', 'restart', 'scale'],
    metrics: [
      {
        name: 'cache_hit_ratio',
        type: 'gauge',
        unit: 'ratio',
        description: 'catalog-query cache hits / (hits + misses), summed over instances',
      },
      {
        name: 'consumer_lag',
        type: 'gauge',
        unit: 'count',
        description: 'messages on the topology topics not yet committed by their consumer groups',
      },
      {
        name: 'outbox_unpublished',
        type: 'gauge',
        unit: 'count',
        description: 'relay events received from the outbox and not yet published to Kafka',
      },
    ],
  }
}
