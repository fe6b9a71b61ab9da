import type { FaultProxy, ToxicSpec } from '@faultline/infra'
import type { ScheduledFault } from '../../core/schedule.js'
import type { Revert } from '../../core/target.js'

/**
 * The links the topology target can route through a fault proxy: each service's own connections
 * to Postgres and Redis (Kafka's brokers advertise their own address, so a proxy cannot sit in
 * front of them without broker changes).
 */
export const SUPPORTED_LINKS = [
  'catalog-query->redis',
  'catalog-query->postgres-replica',
  'catalog-query->postgres',
  'catalog-admin->redis',
  'catalog-admin->postgres',
  'search->postgres',
  'orders->postgres',
  'inventory->postgres',
  'payments->postgres',
] as const

/** The links a scenario's faults name (`link:a->b` targets), to start proxies for only those. */
export function linksOf(faults: readonly { readonly target: string }[]): string[] {
  const links = faults
    .filter((fault) => fault.target.startsWith('link:'))
    .map((fault) => fault.target.slice('link:'.length))
  return [...new Set(links)]
}

function number(params: ScheduledFault['params'], name: string, fallback = 0): number {
  const value = params[name]
  return typeof value === 'number' ? value : fallback
}

function toxicSpec(fault: ScheduledFault): ToxicSpec {
  const { params } = fault
  const common = {
    name: `fault-${fault.id}`,
    stream: params.stream === 'upstream' ? ('upstream' as const) : ('downstream' as const),
    toxicity: number(params, 'toxicity', 1),
  }
  switch (fault.kind) {
    case 'latency':
      return {
        ...common,
        type: 'latency',
        attributes: {
          latencyMs: number(params, 'latencyMs'),
          jitterMs: number(params, 'jitterMs'),
        },
      }
    case 'bandwidth':
      return {
        ...common,
        type: 'bandwidth',
        attributes: { rateKBps: number(params, 'rateKBps', 1) },
      }
    case 'slicer':
      return {
        ...common,
        type: 'slicer',
        attributes: {
          averageSize: number(params, 'averageSize', 1),
          sizeVariation: number(params, 'sizeVariation'),
        },
      }
    case 'timeout':
      return { ...common, type: 'timeout', attributes: { timeoutMs: number(params, 'timeoutMs') } }
    case 'reset_peer':
      return {
        ...common,
        type: 'reset_peer',
        attributes: { timeoutMs: number(params, 'timeoutMs') },
      }
    default:
      return { ...common, type: 'limit_data', attributes: { bytes: number(params, 'bytes') } }
  }
}

/** Puts one toxic (or `down`) on a link's proxy; the revert removes it. */
export async function applyLinkFault(proxy: FaultProxy, fault: ScheduledFault): Promise<Revert> {
  if (fault.kind === 'down') {
    await proxy.setDown(true)
    return () => proxy.setDown(false)
  }
  const name = await proxy.addToxic(toxicSpec(fault))
  return async () => {
    // Already gone (the proxy was reset or closed): nothing to undo.
    if (proxy.toxics().some((toxic) => toxic.name === name)) await proxy.removeToxic(name)
  }
}
