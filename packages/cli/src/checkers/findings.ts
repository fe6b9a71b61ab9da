import type { CheckResult, Counterexample, Verdict } from './verdict.js'

/**
 * What a checker found, turned into a {@link CheckResult} by one rule: any violation makes it
 * `invalid`; otherwise any reason it could not decide makes it `unknown`; only then `valid`.
 * Counterexamples are kept up to a bound, and every violation is counted in `stats` under its
 * kind, so the full count survives the bound.
 */
export class Findings {
  readonly stats: Record<string, number> = {}
  private readonly examples: Counterexample[] = []
  private readonly reasons: string[] = []
  private violations = 0

  constructor(
    private readonly name: string,
    private readonly guarantees: readonly string[],
    private readonly maxCounterexamples: number,
  ) {}

  /** Adds `n` to a stat. */
  count(stat: string, n = 1): void {
    this.stats[stat] = (this.stats[stat] ?? 0) + n
  }

  /** Sets a stat. */
  set(stat: string, value: number): void {
    this.stats[stat] = value
  }

  /** Records a violation of kind `kind` (counted in `stats[kind]`). */
  violation(kind: string, example: Counterexample): void {
    this.violations++
    this.count(kind)
    if (this.examples.length < this.maxCounterexamples) this.examples.push(example)
  }

  /** Records why the checker cannot decide (some input missing or unusable). */
  undecided(reason: string): void {
    if (!this.reasons.includes(reason)) this.reasons.push(reason)
  }

  /** The verdict so far. */
  get verdict(): Verdict {
    if (this.violations > 0) return 'invalid'
    return this.reasons.length > 0 ? 'unknown' : 'valid'
  }

  /** The result, with `checked` as the summary of a `valid` verdict. */
  result(checked: string): CheckResult {
    return {
      name: this.name,
      guarantees: this.guarantees,
      verdict: this.verdict,
      summary: this.summary(checked),
      counterexamples: this.examples,
      stats: this.stats,
    }
  }

  private summary(checked: string): string {
    const undecided =
      this.reasons.length > 0 ? `; could not decide: ${this.reasons.join('; ')}` : ''
    if (this.violations > 0) {
      const first = this.examples[0]?.message ?? ''
      return `${this.violations} violation(s) over ${checked}; first: ${first}${undecided}`
    }
    if (this.reasons.length > 0) return `unknown over ${checked}: ${this.reasons.join('; ')}`
    return checked
  }
}

/** The reason a snapshot part is missing: the adapter's own reason when it gave one. */
export function missingPart(
  part: string,
  unavailable: Readonly<Record<string, string | undefined>> | undefined,
): string {
  const why = unavailable?.[part]
  return why === undefined
    ? `the snapshot has no \`${part}\``
    : `the snapshot has no \`${part}\` (${why})`
}
