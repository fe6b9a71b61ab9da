import { INFRA_PROCESSES, LINK_FAULT_KINDS, RELAY_PROCESSES } from '@faultline/scenarios'
import type { TargetDescription } from '../../core/target.js'
import { TOPOLOGY_OPERATIONS } from './invocations.js'
import { SUPPORTED_LINKS } from './link-faults.js'

/** The topology's services (its token issuer serves the JWKS from the process that started it, not as a service). */
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

/** The saga states the live metrics count (`saga_instances_<state>`). */
export const SAGA_STATES = ['running', 'completed', 'compensated', 'failed'] as const

/**
 * What the topology target can do, before anything starts. `links`: those a given topology
 * routes through a fault proxy; by default every link the target can route when it starts one.
 */
export function describeTopology(
  attached: boolean,
  links: readonly string[] = attached ? [] : SUPPORTED_LINKS,
): TargetDescription {
  return {
    name: 'topology',
    measuresReality: true,
    operations: TOPOLOGY_OPERATIONS,
    httpOperations: ['read-product'],
    processes: processNames(),
    links,
    // A herd needs only the HTTP entry points, so an attached topology takes it too.
    faultKinds: attached
      ? ['pause', 'herd']
      : [
          'kill',
          'pause',
          'restart',
          'scale',
          'herd',
          ...(links.length > 0 ? LINK_FAULT_KINDS : []),
        ],
    metrics: [
      {
        name: 'cache_hit_ratio',
        type: 'gauge',
        unit: 'ratio',
        description: 'catalog-query cache hits / (hits + misses), summed over instances',
      },
      {
        name: 'consumer_lag_messages',
        type: 'gauge',
        unit: 'count',
        description: 'messages on the topology topics not yet committed by their consumer groups',
      },
      {
        name: 'relay_lag_seconds',
        type: 'gauge',
        description: 'the slowest relay heartbeat from Postgres to the relay, seconds',
      },
      ...SAGA_STATES.map((state) => ({
        name: `saga_instances_${state}`,
        type: 'gauge' as const,
        unit: 'count' as const,
        description: `OrderSaga instances ${state} in the orders database`,
      })),
      {
        name: 'outbox_unpublished',
        type: 'gauge',
        unit: 'count',
        description: 'relay events received from the outbox and not yet published to Kafka',
      },
    ],
  }
}
