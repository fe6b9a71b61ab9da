import type { TopologyRequirements } from '@faultline/scenarios'
import { CliError } from '../../core/errors.js'
import { createHttpClient } from '../../core/load/http-client.js'
import type { SeededRandom } from '../../core/random.js'
import type { ScheduledFault } from '../../core/schedule.js'
import type { HttpRequestSpec, Invocation, Target } from '../../core/target.js'
import { readOrigin, type TopologyAccess } from './access.js'
import { describeTopology } from './description.js'
import { applyTopologyFault } from './faults.js'
import { applyTopologyHerd, herdKey } from './herd.js'
import { inspectTopology } from './inspect.js'
import { prepareInvocation } from './invocations.js'
import { TopologyKafka } from './kafka.js'
import { KeySpace } from './keys.js'
import { cacheHitRatio, relayStats, sagaCounts, topologyQuiescence } from './live.js'
import { loaderCallsBetween, readLoaderCalls, type LoaderCallReading } from './loader-calls.js'
import { DEFAULT_STOCK } from './open.js'
import { performOperation } from './perform.js'
import { LOAD_SUBJECTS } from './tokens.js'

/** What {@link createTopologyTarget} drives. */
export interface TopologyTargetParts {
  readonly access: TopologyAccess
  readonly products: readonly string[]
  readonly categories: readonly string[]
  readonly requirements: TopologyRequirements
  /** Stops what this run started (nothing when attached). */
  readonly stop: () => Promise<void>
  /** Told about reverts that failed (the run goes on). */
  readonly report?: (problem: string) => void
  /**
   * catalog-query's loader calls when the target opened (`readLoaderCalls`), so the snapshot
   * counts only the run's. Without it the snapshot's `cache` is unavailable.
   */
  readonly loaderCallsAtOpen?: LoaderCallReading
}

/** The engine's `Target` over a running topology. */
export function createTopologyTarget(parts: TopologyTargetParts): Target {
  const { access } = parts
  const http = createHttpClient({ connections: 256 })
  const keys = new KeySpace(parts.products, parts.categories)
  const kafka = new TopologyKafka(access.kafkaBrokers, access.namespace)
  const deps = { http, keys, tokens: access.tokens, endpoints: () => access.endpoints }
  const reader = LOAD_SUBJECTS.reader
  const report = parts.report ?? (() => undefined)
  const initialStock =
    access.handle === undefined ? undefined : (parts.requirements.stock ?? DEFAULT_STOCK)
  const herds = {
    http,
    products: parts.products,
    tokens: access.tokens,
    endpoints: () => access.endpoints,
  }
  // An instance a scale fault added is gone by the end, and its loader calls with it.
  let scaled = false
  const loaderCalls = async (): Promise<Record<string, number>> => {
    if (scaled)
      throw new CliError(
        'E_CLI_TARGET',
        'a scale fault ran: the loader calls of the instances it added or removed are lost',
      )
    if (parts.loaderCallsAtOpen === undefined)
      throw new CliError(
        'E_CLI_TARGET',
        "catalog-query's loader calls were not read when the target opened: the run's own cannot be told apart",
      )
    return loaderCallsBetween(parts.loaderCallsAtOpen, await readLoaderCalls(access))
  }
  return {
    describe: () =>
      access.handle === undefined
        ? describeTopology(true)
        : describeTopology(false, access.handle.links()),
    prepare: (op: string, random: SeededRandom) => prepareInvocation(op, keys, random),
    perform: (op, invocation, { signal }) => performOperation(op, deps, invocation, signal),
    httpRequest: (_op: string, invocation: Invocation): HttpRequestSpec => {
      // Built synchronously per request: the reader token was minted when the target opened.
      const authorization = access.tokens.cachedAuthorization('customer', reader)
      return {
        origin: readOrigin(access),
        method: 'GET',
        path: `/products/${invocation.key ?? ''}`,
        ...(authorization === undefined ? {} : { headers: { authorization } }),
      }
    },
    applyFault(fault: ScheduledFault, signal: AbortSignal) {
      if (fault.kind === 'herd') return applyTopologyHerd(herds, fault, signal)
      if (fault.kind === 'scale') scaled = true
      return applyTopologyFault(access, fault, report)
    },
    faultDetail: (fault: ScheduledFault) =>
      fault.kind === 'herd' ? { key: herdKey(parts.products, fault) } : {},
    quiescence: () => topologyQuiescence(access, http, kafka),
    inspect: () => inspectTopology(access, kafka, initialStock, loaderCalls),
    async liveMetrics() {
      const [ratio, relays, lag, sagas] = await Promise.all([
        cacheHitRatio(access, http),
        relayStats(access, http),
        kafka.consumerLag().catch(() => undefined),
        sagaCounts(access),
      ])
      return {
        cache_hit_ratio: ratio,
        outbox_unpublished: relays.queued,
        ...(relays.lagSeconds === undefined ? {} : { relay_lag_seconds: relays.lagSeconds }),
        ...(lag === undefined ? {} : { consumer_lag_messages: lag }),
        ...sagas,
      }
    },
    endpoints: () => access.endpoints,
    async close() {
      await Promise.allSettled([http.close(), kafka.close()])
      await parts.stop()
    },
  }
}
