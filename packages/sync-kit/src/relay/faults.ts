/**
 * Named fault points inside the relays. They do nothing unless a test passes a `faults` hook,
 * which can then crash the process at exactly that point ("received, not yet published").
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
