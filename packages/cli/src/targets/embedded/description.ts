import type { TargetDescription } from '../../core/target.js'

/** Most catalog-query instances the embedded system runs (`topology.replicas`). */
export const MAX_INSTANCES = 8

/** The processes a fault can hit, mapped onto the in-memory parts they stand for. */
export const EMBEDDED_PROCESSES = [
  'postgres',
  'redis',
  'kafka',
  'relay-catalog#0',
  'orders#0',
  'inventory#0',
  'payments#0',
  'search#0',
  ...Array.from({ length: MAX_INSTANCES }, (_, index) => `catalog-query#${index}`),
] as const

/**
 * What the embedded target offers. `auth-probe` and `fuzz` are left out: there is no HTTP surface
 * and no token service to probe, so preflight refuses scenarios that use them. There are no links
 * (everything is in one process), so no toxics either. A `herd` writes the product and applies the
 * change at once, then reads it concurrently through the instances.
 */
export const EMBEDDED_DESCRIPTION: TargetDescription = {
  name: 'embedded',
  measuresReality: false,
  operations: [
    'read-product',
    'read-products',
    'list-category',
    'write-product',
    'delete-product',
    'place-order',
    'get-order',
    'search',
  ],
  processes: [...EMBEDDED_PROCESSES],
  links: [],
  faultKinds: ['kill', 'pause', 'restart', 'herd'],
  metrics: [
    {
      name: 'cache_hit_ratio',
      type: 'gauge',
      unit: 'ratio',
      description: 'embedded: share of cache reads served from L1 or L2, all instances',
    },
    {
      name: 'consumer_lag',
      type: 'gauge',
      unit: 'count',
      description: 'embedded: product-change events not yet applied, summed over consumers',
    },
  ],
}
