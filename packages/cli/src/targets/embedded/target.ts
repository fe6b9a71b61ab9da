import { createRandom } from '../../core/random.js'
import type { Target, TargetContext, TargetProvider } from '../../core/target.js'
import { EMBEDDED_DESCRIPTION, MAX_INSTANCES } from './description.js'
import { CliError } from '../../core/errors.js'
import { applyEmbeddedFault } from './faults.js'
import { applyEmbeddedHerd, herdKey } from './herd.js'
import { performOperation, prepareOperation } from './operations.js'
import { EmbeddedSystem } from './system.js'

/** Options of {@link createEmbeddedTarget}. */
export interface EmbeddedTargetOptions {
  /**
   * Plants a defect for checker tests: the cache-invalidation consumers acknowledge product
   * changes without applying them, so reads go stale and the staleness checker says `invalid`.
   * @default false
   */
  readonly skipInvalidation?: boolean
}

/** Products seeded when the scenario does not say (as the topology). */
const DEFAULT_PRODUCTS = 200
/** Stock per product when the scenario does not say (as the topology). */
const DEFAULT_STOCK = 1000

/**
 * The `embedded` target: the catalog-order system in this process, built from the kits'
 * in-memory parts (cache-kit's memory store and bus, sync-kit's memory broker, consumer and
 * inbox store) and a plain in-process order saga. Nothing to install and instant to start, but
 * nothing real is measured: `describe().measuresReality` is false and the summary says so. The
 * checkers still get real verdicts: the history and the snapshot come from the running parts.
 */
export function createEmbeddedTarget(options: EmbeddedTargetOptions = {}): TargetProvider {
  return {
    describe: () => EMBEDDED_DESCRIPTION,
    open: (context) => openEmbeddedTarget(context, options),
  }
}

async function openEmbeddedTarget(
  context: TargetContext,
  options: EmbeddedTargetOptions,
): Promise<Target> {
  const topology = context.scenario.topology
  const instances = topology.replicas?.['catalog-query'] ?? 1
  if (instances > MAX_INSTANCES) {
    throw new CliError(
      'E_CLI_TARGET',
      `The embedded target runs at most ${MAX_INSTANCES} catalog-query instances; the scenario asks for ${instances}. Lower topology.replicas or use --infra local.`,
    )
  }
  const products = topology.products ?? DEFAULT_PRODUCTS
  const draws = createRandom(context.seed).fork('embedded-payments')
  const system = new EmbeddedSystem({
    products,
    stock: topology.stock ?? DEFAULT_STOCK,
    instances,
    paymentFailureRate: topology.paymentFailureRate ?? 0,
    random: () => draws.next(),
    skipInvalidation: options.skipInvalidation ?? false,
  })
  await system.start()
  return {
    describe: () => EMBEDDED_DESCRIPTION,
    prepare: (op, random) => prepareOperation(op, random, products),
    perform: (op, invocation) => performOperation(system, op, invocation),
    applyFault: (fault) =>
      fault.kind === 'herd'
        ? applyEmbeddedHerd(system, products, fault)
        : applyEmbeddedFault(system, fault),
    faultDetail: (fault) => (fault.kind === 'herd' ? { key: herdKey(products, fault) } : {}),
    quiescence: () => system.quiescence(),
    inspect: () => Promise.resolve(system.snapshot()),
    liveMetrics: () =>
      Promise.resolve({
        cache_hit_ratio: system.tier.hitRatio(),
        consumer_lag: system.consumerLag(),
      }),
    endpoints: () => ({}),
    close: () => system.close(),
  }
}
