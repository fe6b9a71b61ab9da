import { silentLogger, systemClock, type Clock, type Logger } from '@faultline/common'
import { trace, type Tracer } from '@opentelemetry/api'
import type { L1Options } from './l1-tier.js'
import type { CacheMetricsHook } from './metrics.js'
import {
  CACHE_DEFAULTS,
  resolveLoadOptions,
  resolveTunables,
  type CacheTunables,
  type GetOrLoadOptions,
  type ResolvedLoadOptions,
  type ResolvedTunables,
} from './options.js'
import type { CacheStore, InvalidationBus } from './ports.js'
import { createJsonSerializer, type Serializer } from './serializer.js'
import { checkFunction, checkInt, checkPort, checkText, invalidOption } from './validate.js'

/** Options for `createCache()`: ports, optional tiers and hooks, and the per-call defaults. */
export interface CacheOptions extends GetOrLoadOptions, CacheTunables {
  /** The L2 store (Redis via `@faultline/cache-kit/redis`, or `createMemoryCacheStore()`). */
  store: CacheStore
  /** Invalidation fan-out to other nodes' L1. Without it, L1 only sees this node's invalidations. */
  bus?: InvalidationBus | undefined
  /** The in-process L1 tier; `false` or omitted disables it. @default undefined */
  l1?: L1Options | false | undefined
  /** @default systemClock */
  clock?: Clock | undefined
  /** A pino logger fits as it is. @default silentLogger */
  logger?: Logger | undefined
  /** One serializer for both tiers. @default createJsonSerializer() */
  serializer?: Serializer | undefined
  /** OpenTelemetry tracer for miss-path spans. @default trace.getTracer('@faultline/cache-kit') */
  tracer?: Tracer | undefined
  /** Prometheus-style counters and gauges. @default undefined */
  metrics?: CacheMetricsHook | undefined
  /** This node's id on the bus. @default a random UUID */
  nodeId?: string | undefined
  /** Random source for TTL jitter. @default Math.random */
  random?: (() => number) | undefined
}

/** @internal Every option of a cache, validated, with its defaults filled in. */
export interface ResolvedCacheOptions {
  readonly store: CacheStore
  readonly bus: InvalidationBus | undefined
  readonly l1: Required<L1Options> | undefined
  readonly clock: Clock
  readonly logger: Logger
  readonly serializer: Serializer
  readonly tracer: Tracer
  readonly metrics: CacheMetricsHook | undefined
  readonly nodeId: string | undefined
  readonly random: () => number
  readonly defaults: ResolvedLoadOptions
  readonly tunables: ResolvedTunables
}

const STORE_METHODS = ['peek', 'read', 'fill', 'invalidate', 'invalidateTags', 'releaseLease']
const LOGGER_METHODS = ['debug', 'info', 'warn', 'error']

/** @internal Validates every option once, at construction, with `E_CACHE_INVALID_OPTION`. */
export function resolveCacheOptions(options: CacheOptions): ResolvedCacheOptions {
  if (typeof options !== 'object' || options === null) {
    throw invalidOption('options', options, 'an object with at least a store')
  }
  const defaults = resolveLoadOptions({ ...CACHE_DEFAULTS }, options)
  const optional = <T>(value: T | undefined, check: (value: T) => T): T | undefined =>
    value === undefined ? undefined : check(value)
  return {
    store: checkPort('store', options.store, 'a CacheStore', STORE_METHODS),
    bus: optional(options.bus, (bus) =>
      checkPort('bus', bus, 'an InvalidationBus', ['publish', 'subscribe']),
    ),
    l1: resolveL1(options.l1),
    clock:
      optional(options.clock, (clock) => checkPort('clock', clock, 'a Clock', ['now'])) ??
      systemClock,
    logger:
      optional(options.logger, (logger) =>
        checkPort('logger', logger, 'a Logger such as pino()', LOGGER_METHODS),
      ) ?? silentLogger,
    serializer:
      optional(options.serializer, (serializer) =>
        checkPort('serializer', serializer, 'a Serializer', ['serialize', 'deserialize']),
      ) ?? createJsonSerializer(),
    tracer:
      optional(options.tracer, (tracer) =>
        checkPort('tracer', tracer, 'an OpenTelemetry Tracer', ['startActiveSpan']),
      ) ?? trace.getTracer('@faultline/cache-kit'),
    metrics: optional(options.metrics, (metrics) =>
      checkPort('metrics', metrics, 'a CacheMetricsHook', ['increment']),
    ),
    nodeId: optional(options.nodeId, (nodeId) => checkText('nodeId', nodeId, 256)),
    random:
      optional(options.random, (random) =>
        checkFunction<() => number>('random', random, 'a function returning [0, 1)'),
      ) ?? Math.random,
    defaults,
    tunables: resolveTunables(options, defaults.hardTimeoutMs),
  }
}

function resolveL1(options: L1Options | false | undefined): Required<L1Options> | undefined {
  if (options === false || options === undefined) return undefined
  if (typeof options !== 'object' || options === null) {
    throw invalidOption('l1', options, 'an L1Options object, false or undefined')
  }
  return {
    maxEntries: checkInt('l1.maxEntries', options.maxEntries ?? CACHE_DEFAULTS.l1MaxEntries, 1),
    maxTtlMs: checkInt('l1.maxTtlMs', options.maxTtlMs ?? CACHE_DEFAULTS.l1MaxTtlMs, 1),
  }
}
