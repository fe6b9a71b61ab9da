/**
 * Picks how many events the next chunk takes, so that one chunk's transaction lasts about
 * `targetMs`. Every event of a chunk commits when its last one does, and the chunk holds its
 * row locks until then: slow events (a handler with several statements, a contended row) make
 * small chunks, so batching never delays an event by more than about `targetMs`; cheap events
 * make large ones, up to `max`.
 */
export class ChunkSizer {
  /** Smoothed milliseconds per event; undefined until a chunk was measured. */
  #msPerEvent: number | undefined

  readonly #max: number
  readonly #targetMs: number

  constructor(max: number, targetMs: number) {
    this.#max = max
    this.#targetMs = targetMs
  }

  /** The size of the next chunk, from 1 to `max`. */
  next(): number {
    if (this.#targetMs === Infinity) return this.#max
    // Before any measurement: a small first chunk, so a slow handler costs little latency once.
    if (this.#msPerEvent === undefined) return Math.min(this.#max, 4)
    const fits = Math.floor(this.#targetMs / Math.max(this.#msPerEvent, 1e-3))
    return Math.max(1, Math.min(this.#max, fits))
  }

  /** Records that `events` events took `ms` milliseconds in one chunk. */
  record(events: number, ms: number): void {
    if (events <= 0 || !(ms >= 0)) return
    const per = ms / events
    this.#msPerEvent = this.#msPerEvent === undefined ? per : 0.7 * this.#msPerEvent + 0.3 * per
  }
}
