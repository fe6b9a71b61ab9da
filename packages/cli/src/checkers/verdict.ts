/**
 * What a checker concludes. `unknown` means it could not decide (too little data, a snapshot it
 * could not take); it is never a pass.
 */
export type Verdict = 'valid' | 'invalid' | 'unknown'

/** One concrete violation, pointing into the history where it can. */
export interface Counterexample {
  /** One sentence: what went wrong, with the values. */
  readonly message: string
  /** The entity concerned (a product id, a saga id, an event id). */
  readonly key?: string
  /** Ids of the history events that show it (see `HistoryEvent.id`). */
  readonly historyIds?: readonly number[]
  readonly detail?: Readonly<Record<string, unknown>>
}

/** A checker's result. */
export interface CheckResult {
  /** The checker's name, e.g. `staleness`. */
  readonly name: string
  /** The guarantee ids it covers (DESIGN.md), e.g. `['C1', 'C2', 'C3']`. */
  readonly guarantees: readonly string[]
  readonly verdict: Verdict
  /** One line for the summary: what was checked and what was found. */
  readonly summary: string
  /** The violations found (at most a bounded number; `stats` has the full count). */
  readonly counterexamples: readonly Counterexample[]
  /** Counts behind the verdict, e.g. `{ reads: 12000, stale: 0 }`. */
  readonly stats: Readonly<Record<string, number>>
}
