import { TopologyError } from '../errors.js'

/** When the supervisor starts a crashed instance again. */
export interface RestartPolicy {
  /** `'on-crash'`: restart an instance that exits without being asked to. @default 'never' */
  readonly restart?: 'never' | 'on-crash'
  /** Restarts allowed within {@link windowMs}; past them the instance is marked failed. @default 5 */
  readonly maxRestarts?: number
  /** The window the restarts are counted in. @default 60000 */
  readonly windowMs?: number
  /** Wait before the first restart; doubled for each further one in the window. @default 200 */
  readonly initialBackoffMs?: number
  /** The longest wait between restarts. @default 5000 */
  readonly maxBackoffMs?: number
}

/** A {@link RestartPolicy} with every default filled in. */
export type ResolvedRestartPolicy = Required<RestartPolicy>

const DEFAULTS: ResolvedRestartPolicy = {
  restart: 'never',
  maxRestarts: 5,
  windowMs: 60_000,
  initialBackoffMs: 200,
  maxBackoffMs: 5_000,
}

/** Fills in the defaults and refuses nonsense (negative counts, an empty window). */
export function resolveRestartPolicy(service: string, policy: RestartPolicy = {}) {
  const resolved = { ...DEFAULTS, ...policy }
  for (const key of ['maxRestarts', 'windowMs', 'initialBackoffMs', 'maxBackoffMs'] as const) {
    const value = resolved[key]
    if (!Number.isInteger(value) || value < 0 || (key === 'windowMs' && value === 0))
      throw new TopologyError(
        'E_TOPOLOGY_INVALID_OPTION',
        `${service}: restartPolicy.${key} must be a non-negative integer (windowMs positive), got ${String(value)}`,
        { context: { service, option: `restartPolicy.${key}` } },
      )
  }
  return resolved
}

/**
 * Decides about one crash: given the times of earlier restarts, the wait before the next one, or
 * undefined when the budget in the window is spent (the instance is then left failed).
 */
export function nextRestartDelay(
  policy: ResolvedRestartPolicy,
  earlierRestarts: readonly number[],
  now: number,
): number | undefined {
  if (policy.restart !== 'on-crash') return undefined
  const recent = earlierRestarts.filter((at) => now - at < policy.windowMs).length
  if (recent >= policy.maxRestarts) return undefined
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** recent)
}
