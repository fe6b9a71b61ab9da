import type { Chunk } from '../chunk.js'

/** Hands a chunk to the rest of the chain; resolves once the socket has taken it. */
export type Next = (chunk: Chunk) => Promise<void>

/** One toxic acting on one direction of one connection. */
export interface ToxicStage {
  /** Forwards `chunk` (possibly delayed, cut up or dropped) through `next`, in order. */
  process(chunk: Chunk, next: Next): Promise<void>
}

/** What a stage may do to its connection. */
export interface StageContext {
  /** Aborts when the toxic is removed or updated, or the connection ends; waits must stop then. */
  readonly signal: AbortSignal
  /** Closes both sides after flushing what was already written (FIN). */
  close(): void
  /** Resets the client side (TCP RST) and drops the upstream side. */
  reset(): void
  readonly random: () => number
}

/** Builds a stage from validated attributes. */
export type StageFactory = (
  attributes: Readonly<Record<string, number>>,
  ctx: StageContext,
) => ToxicStage

/** Reads an attribute the validator has already filled in. */
export function attr(attributes: Readonly<Record<string, number>>, key: string): number {
  return attributes[key] ?? 0
}

/** Passes data untouched: what a toxic becomes on a connection its toxicity roll spared. */
export const passThrough: ToxicStage = { process: (chunk, next) => next(chunk) }
