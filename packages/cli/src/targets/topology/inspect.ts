import type {
  CacheSnapshot,
  ProcessSnapshot,
  SnapshotPart,
  SystemSnapshot,
} from '../../checkers/snapshot.js'
import { describeError } from '../../core/errors.js'
import type { TopologyAccess } from './access.js'
import { catalogStream, searchReadModel } from './inspect-catalog.js'
import { businessState, orderSagas } from './inspect-orders.js'
import type { TopologyKafka } from './kafka.js'

const ALIVE = new Set(['starting', 'ready', 'paused', 'draining', 'restarting'])

function processes(access: TopologyAccess): ProcessSnapshot[] {
  const handle = access.handle
  if (handle === undefined) {
    return Object.entries(access.pids ?? {}).map(([name, pid]) => ({
      name,
      pid,
      alive: isRunning(pid),
    }))
  }
  return handle.services().flatMap((name) =>
    handle
      .service(name)
      .instances()
      .map((instance, index) => ({
        name: `${name}#${index}`,
        ...(instance.pid === undefined ? {} : { pid: instance.pid }),
        alive: ALIVE.has(instance.state),
      })),
  )
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * The checkers' view of the topology after quiescence. Each part is read on its own: one that
 * fails (a database or Kafka down, a catalog-query instance whose loader calls cannot be read) is
 * left out and named in `unavailable` with the reason, so its checkers say `unknown` instead of
 * passing. `loaderCalls` gives the run's loader calls per product, summed over every instance.
 */
export async function inspectTopology(
  access: TopologyAccess,
  kafka: TopologyKafka,
  initialStock: number | undefined,
  loaderCalls: () => Promise<CacheSnapshot['loaderCalls']>,
): Promise<SystemSnapshot> {
  const unavailable: Partial<Record<SnapshotPart, string>> = {}
  const attempt = async <Value>(part: SnapshotPart, read: () => Promise<Value>) => {
    try {
      return await read()
    } catch (error) {
      unavailable[part] = describeError(error)
      return undefined
    }
  }
  const [stream, readModel, sagas, business, cache] = await Promise.all([
    attempt('streams', () => catalogStream(access, kafka)),
    attempt('readModels', () => searchReadModel(access)),
    attempt('sagas', () => orderSagas(access)),
    attempt('business', () => businessState(access, initialStock)),
    attempt('cache', async (): Promise<CacheSnapshot> => ({ loaderCalls: await loaderCalls() })),
  ])
  return {
    takenAt: Date.now(),
    ...(stream === undefined ? {} : { streams: [stream] }),
    ...(readModel === undefined ? {} : { readModels: [readModel] }),
    ...(sagas === undefined ? {} : { sagas }),
    ...(business === undefined ? {} : { business }),
    ...(cache === undefined ? {} : { cache }),
    processes: processes(access),
    unavailable,
  }
}
