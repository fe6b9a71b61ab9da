import type { HistoryEvent } from '../history/events.js'
import type { CheckerPass } from './checker.js'
import { Findings, missingPart } from './findings.js'
import { field, type Operation, OperationPairer } from './operations.js'
import { COMMON_SPECS, defineChecker, type CommonOptions } from './options.js'
import type { SystemSnapshot } from './snapshot.js'
import type { CheckResult } from './verdict.js'

/** Options of the {@link errorBudget} checker. */
export interface ErrorBudgetOptions extends CommonOptions {
  /** Operations that send bad input on purpose: none may get a 5xx or go unanswered. @default ['fuzz'] */
  readonly fuzzOps: readonly string[]
  /**
   * Largest share of the other operations that may end in a 5xx or unanswered (`info`), e.g.
   * 0.01; raise it for scenarios whose faults make the system refuse work.
   * @default 0
   */
  readonly maxErrorRate: number
}

/** The HTTP status of an operation, from the completion or its value. */
export function statusOf(op: Operation): number | undefined {
  const status = op.status ?? field(op.output, 'status')
  return typeof status === 'number' ? status : undefined
}

class ErrorBudgetPass implements CheckerPass {
  private readonly findings: Findings
  private readonly fuzz: Set<string>
  private readonly unanswered: Operation[] = []
  private readonly faults = new Map<number, { start: number; end: number }>()
  private readonly errorsByOp = new Map<string, { total: number; errors: number }>()
  private readonly errorIds: number[] = []
  private readonly pairer = new OperationPairer((op) => this.operation(op))

  constructor(private readonly options: ErrorBudgetOptions) {
    this.findings = new Findings('errorBudget', errorBudget.guarantees, options.maxCounterexamples)
    this.fuzz = new Set(options.fuzzOps)
  }

  observe(event: HistoryEvent): void {
    if (event.type !== 'fault') return this.pairer.observe(event)
    const window = this.faults.get(event.id)
    if (event.phase === 'start') this.faults.set(event.id, { start: event.time, end: Infinity })
    else if (window !== undefined) window.end = event.time
  }

  private operation(op: Operation): void {
    const status = statusOf(op)
    const serverError = status !== undefined && status >= 500
    if (this.fuzz.has(op.op)) return this.fuzzed(op, status, serverError)
    const tally = this.errorsByOp.get(op.op) ?? { total: 0, errors: 0 }
    this.errorsByOp.set(op.op, tally)
    tally.total++
    if (!serverError && op.type !== 'info') return
    tally.errors++
    if (this.errorIds.length < 10) this.errorIds.push(op.id)
  }

  private fuzzed(op: Operation, status: number | undefined, serverError: boolean): void {
    this.findings.count('fuzzOps')
    if (serverError) {
      const route = field(op.input, 'route')
      this.findings.violation('fuzz5xx', {
        message: `fuzz request ${op.id}${typeof route === 'string' ? ` to ${route}` : ''} got ${status}: bad input must get a 4xx`,
        key: typeof route === 'string' ? route : undefined,
        historyIds: [op.id],
        detail: { status, input: op.input, error: op.error },
      })
    } else if (op.type === 'info') this.unanswered.push(op)
  }

  finish(snapshot: SystemSnapshot): CheckResult {
    this.pairer.finish()
    for (const op of this.unanswered) this.judgeUnanswered(op)
    this.checkBudget()
    this.checkProcesses(snapshot)
    const problem = this.pairer.problem()
    if (problem !== undefined) this.findings.undecided(problem)
    const { fuzzOps = 0, ops = 0 } = this.findings.stats
    if (fuzzOps + ops === 0) this.findings.undecided('no client operations in the history')
    return this.findings.result(
      `${fuzzOps} fuzz and ${ops} other operation(s), budget ${this.options.maxErrorRate}; ${snapshot.processes?.length ?? 0} process(es)`,
    )
  }

  /** An unanswered fuzz request is a crash or a hang, unless a fault was active meanwhile. */
  private judgeUnanswered(op: Operation): void {
    const duringFault = [...this.faults.values()].some(
      (f) => f.start <= op.completeTime && f.end >= op.invokeTime,
    )
    if (duringFault) return this.findings.count('fuzzUnansweredDuringFault')
    this.findings.violation('fuzzUnanswered', {
      message: `fuzz request ${op.id} got no answer (${op.error ?? 'no completion'}) with no fault active: a crash or a hang`,
      historyIds: [op.id],
      detail: { input: op.input, error: op.error },
    })
  }

  private checkBudget(): void {
    let total = 0
    let errors = 0
    for (const tally of this.errorsByOp.values()) {
      total += tally.total
      errors += tally.errors
    }
    this.findings.set('ops', total)
    this.findings.set('errors', errors)
    if (total === 0 || errors / total <= this.options.maxErrorRate) return
    const byOp = Object.fromEntries(
      [...this.errorsByOp].map(([op, t]) => [op, `${t.errors}/${t.total}`]),
    )
    this.findings.violation('overBudget', {
      message: `${errors} of ${total} operations (${((100 * errors) / total).toFixed(2)}%) got a 5xx or no answer; budget ${(100 * this.options.maxErrorRate).toFixed(2)}%`,
      historyIds: this.errorIds,
      detail: { errors, total, byOp },
    })
  }

  private checkProcesses(snapshot: SystemSnapshot): void {
    if (snapshot.processes === undefined)
      return this.findings.undecided(missingPart('processes', snapshot.unavailable))
    if (snapshot.processes.length === 0)
      return this.findings.undecided('the snapshot lists no processes')
    for (const p of snapshot.processes) {
      this.findings.count('processes')
      if (!p.alive)
        this.findings.violation('processDead', {
          message: `process ${p.name} is not alive at the end of the run`,
          key: p.name,
          detail: { pid: p.pid },
        })
      if ((p.crashes ?? 0) > 0) {
        this.findings.violation('processCrashed', {
          message: `process ${p.name} crashed ${p.crashes} time(s) (exits no fault caused)`,
          key: p.name,
          detail: { pid: p.pid, crashes: p.crashes },
        })
      }
    }
  }
}

/**
 * **errorBudget** (R1): bad input gets a clear 4xx, never a 5xx or a crash.
 *
 * - Every operation in `fuzzOps` that got a 5xx is a violation; one that got no answer (`info`,
 *   or never completed) is a violation unless a fault was active while it was open.
 * - The other operations may end in a 5xx or without an answer in at most `maxErrorRate` of
 *   cases, all together (the counterexample breaks them down per operation).
 * - Every process in the snapshot is alive and none crashed (exits the supervisor did not
 *   cause).
 *
 * `unknown` without `processes` in the snapshot, without any client operation, or when the
 * history is malformed.
 */
export const errorBudget = defineChecker<ErrorBudgetOptions>({
  name: 'errorBudget',
  guarantees: ['R1'],
  description:
    'no 5xx or unanswered request for bad input, other errors within budget, every process alive',
  defaults: { maxCounterexamples: 20, fuzzOps: ['fuzz'], maxErrorRate: 0 },
  specs: {
    ...COMMON_SPECS,
    fuzzOps: { kind: 'strings' },
    maxErrorRate: { kind: 'number', min: 0, max: 1 },
  },
  begin: (options) => new ErrorBudgetPass(options),
})
