import { request } from 'undici'
import type { LbProviderName, LoadBalancer } from '../lb/types.js'
import type { DatabaseUrls, TopologyDatabaseName } from '../services/shared/context.js'
import type { ServiceGroup } from '../supervisor/service-group.js'
import type { ServiceInstance } from '../supervisor/service-instance.js'
import type { Supervisor } from '../supervisor/supervisor.js'
import type { FaultProxy } from '@faultline/infra'
import { TopologyError } from '../errors.js'
import type { MintTokenRequest } from '../wiring/auth/token-minter.js'
import type { TopologyAuth, TopologyIssuer } from './auth.js'
import type { TopologyInfra } from './infra.js'
import type { LinkProxy } from './links.js'
import type { SeededCatalog } from './seed.js'

/** One service of a running topology: its instances and the faults the CLI applies to them. */
export interface TopologyService {
  readonly name: string
  /** Base URLs of the instances that are in rotation or ready. */
  urls(): string[]
  instances(): readonly ServiceInstance[]
  /** One instance by id (`catalog-query-2`) or 1-based index. */
  instance(which: string | number): ServiceInstance
  /** SIGKILL (a crash; the restart policy applies): one instance, or every instance. */
  kill(which?: string | number): Promise<void>
  /** SIGSTOP: one instance, or every instance. */
  pause(which?: string | number): void
  /** SIGCONT after {@link pause}. */
  resume(which?: string | number): void
  /** Out of rotation, graceful stop, start on the same port, back in. */
  restart(which?: string | number): Promise<void>
}

/** A running topology, as `startTopology` returns it. */
export interface TopologyHandle {
  /** The catalog-query load balancer's URL (the catalog's read entry point). */
  readonly lbUrl: string
  /** `nginx` or `node`. */
  readonly lbProvider: LbProviderName
  /** The infra servers (ours when `startTopology` started them; they stop with the topology then). */
  readonly infra: TopologyInfra
  readonly databases: Readonly<Record<TopologyDatabaseName, DatabaseUrls>>
  readonly runDir: string
  /** The seeded products. */
  readonly seeded: SeededCatalog
  /** How long each start step took (ms): infra, databases, topics, balancer, services, seed. */
  readonly timings: Readonly<Record<string, number>>
  /** Who issues the tokens the services accept: JWKS URL, `iss`, `aud`, and the keys when ours. */
  readonly auth: TopologyAuth
  /**
   * A token the services accept, e.g. `{ role: 'customer', sub: 'alice' }` (15 min unless
   * `ttlMs` says otherwise). Every service route but the probes needs one.
   */
  mintToken(request: MintTokenRequest): Promise<string>
  /** Base URL of each service's first instance, plus `catalog-query-lb` and `auth` (the JWKS endpoint, when served here). */
  endpoints(): Record<string, string>
  /** Every service's name, in start order. */
  services(): string[]
  service(name: string): TopologyService
  /** Adds instances or drains the newest ones, without dropping an in-flight request. */
  scale(name: string, count: number): Promise<void>
  /** `GET /ops/state` of every instance (with an `ops` token), keyed by instance id. */
  opsState(): Promise<Record<string, unknown>>
  /** The links routed through a fault proxy (`startTopology({ links })`), `from->to`. */
  links(): string[]
  /** The fault proxy of one link, for toxics. */
  link(name: string): FaultProxy
  /** Stops every service (reverse dependency order), the balancer, and infra it started. */
  stop(): Promise<void>
}

function serviceControl(group: ServiceGroup): TopologyService {
  const pick = (which?: string | number): ServiceInstance[] =>
    which === undefined ? [...group.instances()] : [group.instance(which)]
  return {
    name: group.name,
    urls: () =>
      group
        .instances()
        .map((instance) => instance.url)
        .filter((url): url is string => url !== undefined),
    instances: () => group.instances(),
    instance: (which) => group.instance(which),
    kill: async (which) => {
      await Promise.all(pick(which).map((instance) => instance.kill()))
    },
    pause: (which) => pick(which).forEach((instance) => instance.pause()),
    resume: (which) => pick(which).forEach((instance) => instance.resume()),
    restart: async (which) => {
      for (const instance of pick(which)) await instance.restart()
    },
  }
}

async function fetchState(url: string, authorization: string): Promise<unknown> {
  try {
    const response = await request(`${url}/ops/state`, {
      headers: { authorization },
      headersTimeout: 5_000,
      bodyTimeout: 30_000,
    })
    return response.statusCode === 200
      ? await response.body.json()
      : { status: response.statusCode, body: await response.body.text() }
  } catch (error) {
    return { error: String(error) }
  }
}

/** What {@link createHandle} wraps. */
export interface HandleParts {
  readonly supervisor: Supervisor
  readonly balancer: LoadBalancer
  readonly infra: TopologyInfra
  readonly ownsInfra: boolean
  readonly databases: Readonly<Record<TopologyDatabaseName, DatabaseUrls>>
  readonly seeded: SeededCatalog
  readonly timings: Readonly<Record<string, number>>
  /** Fault proxies on links; closed with the topology. @default none */
  readonly links?: readonly LinkProxy[]
  /** Issues the tokens; closed with the topology. */
  readonly issuer: TopologyIssuer
}

/** The handle over a started supervisor, balancer and infra. */
export function createHandle(parts: HandleParts): TopologyHandle {
  const { supervisor, balancer, infra, issuer } = parts
  let stopped: Promise<void> | undefined
  const { jwksUrl, issuer: iss, audience, keySet } = issuer
  return {
    lbUrl: balancer.url,
    lbProvider: balancer.provider,
    infra,
    databases: parts.databases,
    runDir: supervisor.runDir,
    seeded: parts.seeded,
    timings: parts.timings,
    auth: { jwksUrl, issuer: iss, audience, keySet },
    mintToken: (request) => issuer.mintToken(request),
    endpoints: () => {
      const entries = supervisor
        .services()
        .map((group) => [group.name, group.instances()[0]?.url] as const)
      const found = entries.filter(
        (entry): entry is readonly [string, string] => entry[1] !== undefined,
      )
      const auth: Record<string, string> = issuer.url === undefined ? {} : { auth: issuer.url }
      return { ...Object.fromEntries(found), 'catalog-query-lb': balancer.url, ...auth }
    },
    services: () => supervisor.services().map((group) => group.name),
    service: (name) => serviceControl(supervisor.service(name)),
    scale: (name, count) => supervisor.scale(name, count),
    opsState: async () => {
      const instances = supervisor.services().flatMap((group) => group.instances())
      const token = await issuer.mintToken({ role: 'ops', sub: 'faultline-topology' })
      const states = await Promise.all(
        instances.map(
          async (instance) =>
            [
              instance.id,
              instance.url === undefined
                ? { state: instance.state }
                : await fetchState(instance.url, `Bearer ${token}`),
            ] as const,
        ),
      )
      return Object.fromEntries(states)
    },
    links: () => (parts.links ?? []).map((link) => link.name),
    link: (name) => {
      const found = parts.links?.find((link) => link.name === name)
      if (found === undefined)
        throw new TopologyError(
          'E_TOPOLOGY_INVALID_OPTION',
          `no link ${name} through a fault proxy; start the topology with links: ['${name}']`,
          { context: { option: 'links' } },
        )
      return found.proxy
    },
    stop: () =>
      (stopped ??= (async () => {
        await supervisor.stop()
        await balancer.stop()
        await Promise.all((parts.links ?? []).map((link) => link.proxy.close()))
        await issuer.close()
        if (parts.ownsInfra)
          await Promise.all([infra.postgres.stop(), infra.redis.stop(), infra.kafka.stop()])
      })()),
  }
}
