/**
 * Named fault points inside the relays. They do nothing unless a test attaches a hook with
 * `withFaultHook` from `@faultline/sync-kit/testing`, which can then crash the process at exactly
 * that point ("received, not yet published"). The hook travels under a symbol key, so it is no
 * part of the production option types.
 */
export type FaultPoint =
  /** Events decoded from the source, before they are handed to the publisher. */
  | 'relay:received'
  /** The publisher durably acknowledged a batch, before the source position is acknowledged. */
  | 'relay:published'
  /** The relay is about to report its acknowledged position to the source. */
  | 'relay:before-ack'

/** Called at every fault point; may throw, hang or kill the process. */
export type FaultHook = (
  point: FaultPoint,
  info: { readonly events: number },
) => void | Promise<void>

const FAULT_HOOK = Symbol.for('faultline.sync-kit.fault-hook')

/**
 * A copy of `options` carrying `hook`; relays built from it call the hook at every
 * {@link FaultPoint}. For tests only (exported from `@faultline/sync-kit/testing`).
 */
export function withFaultHook<Options extends object>(options: Options, hook: FaultHook): Options {
  return { ...options, [FAULT_HOOK]: hook }
}

/** The hook `withFaultHook` attached to `options`, if any. */
export function faultHook(options: object): FaultHook | undefined {
  const hook = (options as Record<symbol, unknown>)[FAULT_HOOK]
  return typeof hook === 'function' ? (hook as FaultHook) : undefined
}
