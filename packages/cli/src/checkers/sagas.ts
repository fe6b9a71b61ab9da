import type { HistoryEvent } from '../history/events.js'
import { type AcknowledgedOrder, checkBusiness } from './business.js'
import type { CheckerPass } from './checker.js'
import { Findings, missingPart } from './findings.js'
import { field, type Operation, OperationPairer } from './operations.js'
import { COMMON_SPECS, defineChecker, type CommonOptions } from './options.js'
import { checkCompensations, checkEnded } from './saga-lifecycle.js'
import type { SystemSnapshot } from './snapshot.js'
import type { CheckResult } from './verdict.js'

/** Options of the {@link sagas} checker. */
export interface SagasOptions extends CommonOptions {
  /**
   * A saga not yet ended is stuck once its deadline lies this far behind the snapshot time (the
   * poller fires deadlines a little late); before that it is undecided.
   * @default 10000
   */
  readonly deadlineGraceMs: number
  /** FAILED is an acceptable end (operator-visible, resumable); false makes it a violation. @default true */
  readonly allowFailed: boolean
}

class SagasPass implements CheckerPass {
  private readonly findings: Findings
  private readonly acknowledged: AcknowledgedOrder[] = []
  private readonly pairer = new OperationPairer(
    (op) => this.operation(op),
    (name) => name === 'place-order',
  )

  constructor(private readonly options: SagasOptions) {
    this.findings = new Findings('sagas', sagas.guarantees, options.maxCounterexamples)
  }

  observe(event: HistoryEvent): void {
    this.pairer.observe(event)
  }

  private operation(op: Operation): void {
    if (op.type !== 'ok') return
    const orderId = field(op.output, 'orderId')
    if (typeof orderId === 'string') this.acknowledged.push({ historyId: op.id, orderId })
    else this.findings.count('ordersAckedWithoutId')
  }

  finish(snapshot: SystemSnapshot): CheckResult {
    this.pairer.finish()
    this.checkSagas(snapshot)
    if (snapshot.business === undefined)
      this.findings.undecided(missingPart('business', snapshot.unavailable))
    else checkBusiness(snapshot.business, this.acknowledged, this.findings)
    this.undecidedReasons()
    const { sagas: n = 0, compensations = 0 } = this.findings.stats
    return this.findings.result(
      `${n} saga(s) (${compensations} compensations), ${this.acknowledged.length} acknowledged order(s)`,
    )
  }

  private checkSagas(snapshot: SystemSnapshot): void {
    if (snapshot.sagas === undefined)
      return this.findings.undecided(missingPart('sagas', snapshot.unavailable))
    if (snapshot.sagas.length === 0) return this.findings.undecided('the snapshot holds no sagas')
    const rules = { ...this.options, takenAt: snapshot.takenAt }
    for (const saga of snapshot.sagas) {
      this.findings.count('sagas')
      checkEnded(saga, rules, this.findings)
      checkCompensations(saga, this.findings)
    }
  }

  private undecidedReasons(): void {
    const {
      runningWithinDeadline = 0,
      runningUndecidable = 0,
      ordersAckedWithoutId = 0,
    } = this.findings.stats
    const problem = this.pairer.problem()
    if (problem !== undefined) this.findings.undecided(problem)
    if (runningWithinDeadline > 0) {
      this.findings.undecided(
        `${runningWithinDeadline} saga(s) still running within their deadline (quiescence came too early)`,
      )
    }
    if (runningUndecidable > 0) {
      this.findings.undecided(
        `${runningUndecidable} saga(s) still running with no deadline or no snapshot time to judge them by`,
      )
    }
    if (ordersAckedWithoutId > 0) {
      this.findings.undecided(
        `${ordersAckedWithoutId} acknowledged place-order(s) carry no orderId`,
      )
    }
  }
}

/**
 * **sagas** (G1, G2, G3), over the snapshot's sagas and business state and the history's
 * acknowledged orders.
 *
 * - G1: every saga is COMPLETED, COMPENSATED or FAILED (`allowFailed`); one still STASHED,
 *   RUNNING or COMPENSATING more than `deadlineGraceMs` past its deadline is stuck (invalid);
 *   before its deadline, or without one, it is undecided.
 * - G2: no step completed twice in either direction; in a COMPENSATED saga every compensatable
 *   step that completed or timed out (maybe done) was compensated exactly once (or skipped by an
 *   operator); a COMPLETED saga compensated nothing; a step without a compensation was never
 *   compensated; compensations ran in reverse order of the forward completions (a parallel
 *   group's members in any order among themselves).
 * - G3: stock never negative, `reserved <= initial`, `available + reserved = initial`; the
 *   approved orders of a product take at most its initial stock; a live (`CHARGED`) charge only
 *   for an APPROVED order, at most one per order, and one for every APPROVED order (a refunded
 *   charge for a rejected order is fine); every `place-order` acknowledged `ok` exists.
 *
 * `unknown` when `sagas` or `business` (or one of its tables) is missing, when there are no
 * sagas, or when a saga is still running and not yet past its deadline.
 */
export const sagas = defineChecker<SagasOptions>({
  name: 'sagas',
  guarantees: ['G1', 'G2', 'G3'],
  description:
    'every saga ended, compensations ran once each in reverse, and stock, orders and charges add up',
  defaults: { maxCounterexamples: 20, deadlineGraceMs: 10_000, allowFailed: true },
  specs: {
    ...COMMON_SPECS,
    deadlineGraceMs: { kind: 'number', min: 0, unit: 'milliseconds' },
    allowFailed: { kind: 'boolean' },
  },
  begin: (options) => new SagasPass(options),
})
