import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compareLsn, silentLogger } from '@faultline/common'
import { trackDir } from '@faultline/infra'
import { TopologyError } from '../errors.js'
import { createLoadBalancer } from '../lb/create-load-balancer.js'
import type { LoadBalancer } from '../lb/types.js'
import { topologyServices } from '../services/registry.js'
import type { TopologyServiceContext } from '../services/shared/context.js'
import { createSupervisor } from '../supervisor/supervisor.js'
import { startTopologyIssuer } from './auth.js'
import { createHandle, type TopologyHandle } from './handle.js'
import { withDependencies } from './service-selection.js'
import { createTopologyDatabases, startTopologyInfra, type TopologyInfra } from './infra.js'
import { startLinkProxies, routeThroughLinks, type LinkProxy } from './links.js'
import { checkStartOptions, DEFAULT_REPLICAS, type StartTopologyOptions } from './options.js'
import { seedCatalog } from './seed.js'
import { createTopologyTopics } from './topics.js'

/**
 * Waits until the standby has replayed `token`, so the seeded catalog is visible on every read
 * path when `startTopology` returns (checked every 50 ms, for at most 60 s).
 */
async function waitForReplay(infra: TopologyInfra, token: string): Promise<void> {
  const deadline = Date.now() + 60_000
  while (compareLsn(await infra.postgres.replayLsn(), token) < 0) {
    if (Date.now() > deadline)
      throw new TopologyError(
        'E_TOPOLOGY_STARTUP_TIMEOUT',
        `the standby did not replay the seed (LSN ${token}) within 60 s; check infra.postgres.replica's log`,
      )
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Services behind the load balancer. */
const BALANCED = new Set(['catalog-query'])

function makeRunDir(given: string | undefined): string {
  const runDir = given ?? mkdtempSync(join(tmpdir(), 'faultline-topology-'))
  if (given === undefined) trackDir(runDir)
  mkdirSync(join(runDir, 'logs'), { recursive: true })
  return runDir
}

async function contextFor(
  infra: TopologyInfra,
  options: StartTopologyOptions,
  runDir: string,
  auth: TopologyServiceContext['auth'],
): Promise<TopologyServiceContext> {
  const databases = await createTopologyDatabases(infra.postgres)
  const kafkaBrokers = infra.kafka.brokers
  return {
    infra: {
      postgresUrl: infra.postgres.url,
      postgresReplicaUrl: infra.postgres.replicaUrl ?? '',
      redisUrl: infra.redis.url,
      kafkaBrokers,
    },
    databases,
    kafkaBrokers,
    redisUrl: infra.redis.url,
    runDir,
    seed: options.seed ?? 1,
    namespace: options.namespace ?? '',
    testHooks: options.testHooks ?? false,
    auth,
  }
}

async function startServices(
  ctx: TopologyServiceContext,
  options: StartTopologyOptions,
  balancer: LoadBalancer,
  links: readonly LinkProxy[],
): Promise<ReturnType<typeof createSupervisor>> {
  const replicas = { ...DEFAULT_REPLICAS, ...options.replicas }
  const chosen = withDependencies(topologyServices(ctx), options.services)
  const definitions = routeThroughLinks(chosen, links).map((definition) => ({
    ...definition,
    instances: replicas[definition.name] ?? definition.instances,
    ...(BALANCED.has(definition.name) ? { balancer } : {}),
  }))
  const supervisor = createSupervisor({
    services: definitions,
    runDir: ctx.runDir,
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  })
  try {
    await supervisor.start()
  } catch (error) {
    await supervisor.stop()
    throw error
  }
  return supervisor
}

/**
 * Starts the reference topology: infra (unless given), the six databases, the topics, every
 * service in dependency order (each ready on `/readyz`), catalog-query's instances behind the
 * load balancer, then the seed products through catalog-admin. Whatever it started is stopped
 * again when a step fails.
 */
export async function startTopology(options: StartTopologyOptions = {}): Promise<TopologyHandle> {
  checkStartOptions(options)
  const logger = options.logger ?? silentLogger
  const timings: Record<string, number> = {}
  // Each step's duration goes to the log and to `handle.timings`, for the start-time benchmark.
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now()
    const result = await work()
    timings[name] = Math.round(performance.now() - started)
    logger.info({ step: name, ms: timings[name] }, 'startTopology step done')
    return result
  }
  const runDir = makeRunDir(options.runDir)
  const ownsInfra = options.infra === undefined
  const log = (line: string): void => logger.info({ infra: line }, 'infra')
  const infra =
    options.infra ??
    (await step('infra', () =>
      startTopologyInfra({ replicaApplyDelayMs: options.replicaApplyDelayMs ?? 0, log }),
    ))
  const cleanup: (() => Promise<void>)[] = []
  if (ownsInfra)
    cleanup.push(() =>
      Promise.all([infra.postgres.stop(), infra.redis.stop(), infra.kafka.stop()]).then(
        () => undefined,
      ),
    )
  try {
    const issuer = await startTopologyIssuer(options.auth)
    cleanup.unshift(() => issuer.close())
    const ctx = await step('databases', () =>
      contextFor(infra, options, runDir, issuer.serviceConfig),
    )
    await step('topics', () => createTopologyTopics(ctx.kafkaBrokers, ctx.namespace))
    const balancer = await step('balancer', () =>
      createLoadBalancer({ runDir, provider: options.lb ?? 'auto', logger }),
    )
    cleanup.unshift(() => balancer.stop())
    logger.info({ provider: balancer.provider, url: balancer.url }, 'catalog-query load balancer')
    const links = await startLinkProxies(
      options.links ?? [],
      infra,
      topologyServices(ctx).map((definition) => definition.name),
    )
    cleanup.unshift(() =>
      Promise.all(links.map((link) => link.proxy.close())).then(() => undefined),
    )
    const supervisor = await step('services', () => startServices(ctx, options, balancer, links))
    cleanup.unshift(() => supervisor.stop())
    const adminUrl = supervisor
      .services()
      .find((group) => group.name === 'catalog-admin')
      ?.instances()[0]?.url
    const products =
      typeof options.products === 'number' ? { count: options.products } : (options.products ?? {})
    const seeded = await step('seed', async () => {
      if (adminUrl === undefined) return { productIds: [], categories: [], token: undefined }
      const token = await issuer.mintToken({ role: 'catalog:write', sub: 'faultline-seed' })
      const catalog = await seedCatalog(adminUrl, ctx.seed, products, `Bearer ${token}`)
      if (catalog.token !== undefined) await waitForReplay(infra, catalog.token)
      return catalog
    })
    return createHandle({
      supervisor,
      balancer,
      infra,
      ownsInfra,
      databases: ctx.databases,
      seeded,
      timings,
      links,
      issuer,
    })
  } catch (error) {
    for (const undo of cleanup) await undo().catch(() => undefined)
    throw error
  }
}
