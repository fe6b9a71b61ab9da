import type { HistoryEvent } from '../history/events.js'
import type { Findings } from './findings.js'
import type { Counterexample } from './verdict.js'

/** Option of the checkers whose absence findings need a quiet system. */
export interface QuiescenceOptions {
  /**
   * Something missing (an event not on the topic, a read model behind its source) proves a loss
   * only after quiescence; without the history's `quiesced` mark it may still be in flight, so
   * such findings make the verdict `unknown` instead of `invalid`. False trusts the caller that
   * the snapshot was taken on a quiet system.
   * @default true
   */
  readonly requireQuiescence: boolean
}

/**
 * Watches the history for the `quiesced` mark and reports an absence as a violation only when
 * the system was quiet (or the caller waived the mark).
 */
export class QuiescenceGate {
  private quiesced = false
  private pending = 0

  constructor(
    private readonly findings: Findings,
    private readonly options: QuiescenceOptions,
  ) {}

  observe(event: HistoryEvent): void {
    if (event.type === 'mark' && event.name === 'quiesced') this.quiesced = true
  }

  /** True when absences count as violations. */
  get settled(): boolean {
    return this.quiesced || !this.options.requireQuiescence
  }

  /** Records something missing: a violation once settled, else counted and left undecided. */
  absent(kind: string, example: Counterexample): void {
    if (this.settled) return this.findings.violation(kind, example)
    this.findings.count(`${kind}BeforeQuiescence`)
    this.pending++
  }

  /** Adds the undecided reason when absences were seen without quiescence. */
  finish(): void {
    if (this.pending === 0) return
    this.findings.undecided(
      `${this.pending} missing item(s), but the history has no \`quiesced\` mark: they may still be in flight`,
    )
  }
}
