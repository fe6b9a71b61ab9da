import { createFaultProxy, type FaultProxy, type ServiceHandle } from '@faultline/infra'
import { TopologyError } from '../errors.js'
import type { ServiceDefinition } from '../supervisor/types.js'
import type { TopologyInfra } from './infra.js'

/** Backends a link may end at: their traffic is plain TCP to one address, so a proxy can sit in it. */
export const LINK_BACKENDS = ['postgres', 'postgres-replica', 'redis'] as const

/** A link's proxy: `from` reaches `to` through it. */
export interface LinkProxy {
  /** `from->to`, e.g. `catalog-query->redis`. */
  readonly name: string
  readonly from: string
  readonly to: string
  readonly proxy: FaultProxy
}

function backend(infra: TopologyInfra, name: string): ServiceHandle | undefined {
  if (name === 'postgres') return infra.postgres
  if (name === 'postgres-replica') return infra.postgres.replica
  return name === 'redis' ? infra.redis : undefined
}

function parseLink(link: string, services: readonly string[]): { from: string; to: string } {
  const [from = '', to = ''] = link.split('->')
  const backends: readonly string[] = LINK_BACKENDS
  if (!services.includes(from) || !backends.includes(to))
    throw new TopologyError(
      'E_TOPOLOGY_INVALID_OPTION',
      `startTopology(): links has '${link}'; a link is '<service>->${LINK_BACKENDS.join('|')}' with a service of ${services.join(', ')}`,
      { context: { option: 'links' } },
    )
  return { from, to }
}

/**
 * Starts one fault proxy per link, in front of the link's backend. Only the `from` service is
 * given the proxy's address (see {@link routeThroughLinks}); every other service still connects
 * directly, so a toxic on the link hits that one path.
 */
export async function startLinkProxies(
  links: readonly string[],
  infra: TopologyInfra,
  services: readonly string[],
): Promise<LinkProxy[]> {
  const started: LinkProxy[] = []
  try {
    for (const name of [...new Set(links)]) {
      const { from, to } = parseLink(name, services)
      const server = backend(infra, to)
      if (server === undefined)
        throw new TopologyError(
          'E_TOPOLOGY_INVALID_OPTION',
          `startTopology(): links has '${name}' but infra has no ${to}; start Postgres with a replica`,
          { context: { option: 'links' } },
        )
      const proxy = await createFaultProxy({ upstream: `${server.host}:${server.port}` })
      started.push({ name, from, to, proxy })
    }
  } catch (error) {
    await Promise.all(started.map((link) => link.proxy.close()))
    throw error
  }
  return started
}

function rewrite(value: unknown, links: readonly LinkProxy[]): unknown {
  if (typeof value === 'string')
    return links.reduce((text, link) => text.replaceAll(link.proxy.upstream, link.proxy.url), value)
  if (Array.isArray(value)) return value.map((item) => rewrite(item, links))
  return value
}

function rewriteConfig(
  config: Readonly<Record<string, unknown>>,
  links: readonly LinkProxy[],
): Readonly<Record<string, unknown>> {
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [key, rewrite(value, links)]),
  )
}

/** Gives each link's `from` service the proxy's `host:port` wherever its config names the backend. */
export function routeThroughLinks(
  definitions: readonly ServiceDefinition[],
  links: readonly LinkProxy[],
): ServiceDefinition[] {
  return definitions.map((definition) => {
    const own = links.filter((link) => link.from === definition.name)
    const config = definition.config
    if (own.length === 0 || config === undefined) return definition
    return {
      ...definition,
      config:
        typeof config === 'function'
          ? (instance) => rewriteConfig(config(instance), own)
          : rewriteConfig(config, own),
    }
  })
}
