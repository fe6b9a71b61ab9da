import { CliError } from '../../core/errors.js'
import type { ScheduledFault } from '../../core/schedule.js'
import type { Revert } from '../../core/target.js'
import { productId } from './catalog.js'
import type { EmbeddedSystem } from './system.js'

/** The product a herd fault stampedes: the `params.product`-th seeded one. */
export function herdKey(products: number, fault: ScheduledFault): string {
  const index = Number(fault.params.product ?? 0)
  if (index >= products)
    throw new CliError(
      'E_CLI_TARGET',
      `faults[${fault.source.index}] herds on product ${index}, but the embedded system seeded ${products}; lower product or raise topology.products.`,
    )
  return productId(index)
}

/**
 * Makes the key cold on every node as catalog-admin does: a write, then its change applied at
 * once through one node's cache (Redis and, by the bus, every node's L1), ahead of the change
 * stream, whose later copy of the same change finds nothing newer to drop.
 */
async function makeCold(system: EmbeddedSystem, key: string, fault: ScheduledFault): Promise<void> {
  if (!system.catalog.databaseUp.on)
    throw new CliError(
      'E_CLI_TARGET',
      'The embedded catalog database is down (a fault); the herd cannot write.',
    )
  const node = system.tier.pick()
  if (node === undefined)
    throw new CliError('E_CLI_TARGET', 'No embedded catalog-query instance is up to take the herd.')
  const written = system.catalog.write(key, { price: 1_000 + fault.id })
  await node.cache.applyChange({ key, version: written.version, lsn: written.token })
}

/**
 * Applies a herd in memory: the key made cold, then `params.readers` concurrent reads of it, each
 * through the next instance that is up. Resolves once the reads are out; the revert waits for them.
 */
export async function applyEmbeddedHerd(
  system: EmbeddedSystem,
  products: number,
  fault: ScheduledFault,
): Promise<Revert> {
  const key = herdKey(products, fault)
  await makeCold(system, key, fault)
  const reads = Array.from({ length: Number(fault.params.readers) }, () => {
    const node = system.tier.pick()
    return node === undefined ? Promise.resolve() : system.tier.read(node, key)
  })
  const settled = Promise.allSettled(reads)
  return async () => {
    await settled
  }
}
