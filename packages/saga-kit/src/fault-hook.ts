import type { EntityLockCheck } from './participant-locks.js'

/**
 * A named point where tests inject crashes: the orchestrator's four, and a participant's two
 * (after the handler's effect, before commit; after a command's entity lock was checked).
 */
export type FaultPoint =
  | 'local-step:before-checkpoint'
  | 'command:after-send'
  | 'transition:before-commit'
  | 'reply:before-apply'
  | 'participant:after-effect'
  | 'participant:entity-lock'

/** Where a {@link FaultPoint} was reached. */
export interface FaultInfo {
  readonly sagaId: string
  readonly stepId?: string
  /** The command's idempotency key (`sagaId:stepId`), at a participant's points. */
  readonly idempotencyKey?: string
  /** What the lock check decided, at `participant:entity-lock`. */
  readonly entityLock?: EntityLockCheck
}

/** Called at each {@link FaultPoint}; throwing there simulates a crash at that point. */
export type FaultHook = (point: FaultPoint, info: FaultInfo) => void | Promise<void>

/**
 * The key under which options carry a {@link FaultHook}. A symbol, so the hook is in no
 * production option type: only `@faultline/saga-kit/testing` hands it (and
 * {@link withFaultHook}) out.
 */
export const faultHook: unique symbol = Symbol.for('faultline.saga-kit.fault-hook')

/** `options` with `hook` attached: `createOrchestrator(withFaultHook({ ... }, hook))`. */
export function withFaultHook<Options extends object>(options: Options, hook: FaultHook): Options {
  return { ...options, [faultHook]: hook }
}

const noFault: FaultHook = () => {}

/** The hook attached to `options`, or a no-op. */
export function faultHookOf(options: object): FaultHook {
  const hook = (options as { [faultHook]?: unknown })[faultHook]
  return typeof hook === 'function' ? (hook as FaultHook) : noFault
}

/**
 * Thrown by a fault hook to simulate a crash: it aborts the transaction it is thrown in, where
 * any other error from a handler would be recorded as the step's failure.
 */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash'
}
