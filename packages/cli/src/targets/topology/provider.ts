import type { StartTopologyOptions, TopologyHandle } from '@faultline/topology'
import { createHttpClient } from '../../core/load/http-client.js'
import type { Target, TargetContext, TargetProvider } from '../../core/target.js'
import {
  accessOfHandle,
  accessOfStateFile,
  minterOfStateFile,
  type TopologyAccess,
} from './access.js'
import { describeTopology } from './description.js'
import { linksOf } from './link-faults.js'
import { readLoaderCalls } from './loader-calls.js'
import { applyRequirements, startForRun, startOptions } from './open.js'
import { query } from './sql.js'
import { readStateFile } from './state-file.js'
import { createTopologyTarget } from './target.js'
import type { TopologyKeeper } from './keeper.js'
import { LOAD_SUBJECTS } from './tokens.js'

/** How the topology target finds its topology. */
export interface TopologyProviderOptions {
  /** Use this running topology (a test's shared one); it is not stopped at the end. */
  readonly handle?: TopologyHandle
  /** Attach to the one `faultline up` runs, through its `topology.json`. */
  readonly stateFile?: string
  /** Extra `startTopology` options when the run starts its own (e.g. `testHooks`). */
  readonly start?: Partial<StartTopologyOptions>
  /** `--keep-up`: the topology the run starts goes to the keeper at the end, not stopped. */
  readonly keeper?: TopologyKeeper
}

async function catalogOf(access: TopologyAccess): Promise<{ ids: string[]; categories: string[] }> {
  const rows = await query<{ id: string; category: string }>(
    access.databases.catalog.url,
    'SELECT id, category FROM products WHERE NOT deleted ORDER BY id',
  )
  return {
    ids: rows.map((row) => row.id),
    categories: [...new Set(rows.map((row) => row.category))].sort(),
  }
}

async function openAttached(file: string): Promise<Target> {
  const state = readStateFile(file)
  const access = accessOfStateFile(state, await minterOfStateFile(state))
  // Closed workloads build requests synchronously: the reader's token must be there already.
  await access.tokens.authorization('customer', LOAD_SUBJECTS.reader)
  const { ids, categories } = await catalogOf(access)
  return createTopologyTarget({
    access,
    products: ids,
    categories,
    requirements: {},
    stop: () => Promise.resolve(),
    loaderCallsAtOpen: await readLoaderCalls(access),
  })
}

/** Whether the run owns the topology (started it), and who takes it when the run ends. */
interface Ownership {
  readonly owned: boolean
  readonly keeper?: TopologyKeeper | undefined
}

async function openHandle(
  handle: TopologyHandle,
  ownership: Ownership,
  context: TargetContext,
  namespace: string,
): Promise<Target> {
  const { owned, keeper } = ownership
  const requirements = context.scenario.topology
  const access = accessOfHandle(handle, namespace)
  const stop = owned ? () => handle.stop() : () => Promise.resolve()
  const release = owned && keeper !== undefined ? () => keeper.keep(handle) : stop
  try {
    const wanted = requirements.replicas?.['catalog-query'] ?? 1
    if (!owned && handle.service('catalog-query').instances().length !== wanted)
      await handle.scale('catalog-query', wanted)
    const http = createHttpClient({ connections: 20 })
    try {
      await applyRequirements(requirements, access, handle.seeded.productIds, http)
    } finally {
      await http.close()
    }
    await access.tokens.authorization('customer', LOAD_SUBJECTS.reader)
  } catch (error) {
    await stop()
    throw error
  }
  return createTopologyTarget({
    access,
    products: handle.seeded.productIds,
    categories: [...handle.seeded.categories],
    requirements,
    stop: release,
    loaderCallsAtOpen: await readLoaderCalls(access),
  })
}

/**
 * The `topology` target: starts the reference topology for the run (with the scenario's
 * replicas, replica delay, products, stock and payment failure rate) and stops it at the end,
 * or drives one that is already running.
 */
export function topologyProvider(options: TopologyProviderOptions = {}): TargetProvider {
  const attached = options.stateFile !== undefined
  return {
    describe: () =>
      options.handle === undefined
        ? describeTopology(attached)
        : describeTopology(false, options.handle.links()),
    async open(context) {
      if (options.stateFile !== undefined) return openAttached(options.stateFile)
      const namespace = options.start?.namespace ?? ''
      if (options.handle !== undefined)
        return openHandle(options.handle, { owned: false }, context, namespace)
      // Proxies only on the links the scenario puts faults on: each adds a hop to every request.
      const links = linksOf(context.scenario.faults)
      const handle = await startForRun(
        startOptions(context.scenario.topology, context, { links, ...options.start }),
        context.signal,
      )
      return openHandle(handle, { owned: true, keeper: options.keeper }, context, namespace)
    },
  }
}
