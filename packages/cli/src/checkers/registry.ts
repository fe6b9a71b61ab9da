import { type AuthOptions, auth } from './auth.js'
import { type Checker, type CheckerPass, feedPasses, type HistorySource } from './checker.js'
import { type ConvergenceOptions, convergence } from './convergence.js'
import { type DeliveryOptions, delivery } from './delivery.js'
import { CheckerError } from './errors.js'
import { type ErrorBudgetOptions, errorBudget } from './error-budget.js'
import { type HerdOptions, herd } from './herd.js'
import { type SagasOptions, sagas } from './sagas.js'
import type { SystemSnapshot } from './snapshot.js'
import { type StalenessOptions, staleness } from './staleness.js'
import type { CheckResult } from './verdict.js'

/** Each built-in checker's options, by name. */
export interface CheckerOptionsByName {
  staleness: StalenessOptions
  herd: HerdOptions
  delivery: DeliveryOptions
  convergence: ConvergenceOptions
  sagas: SagasOptions
  errorBudget: ErrorBudgetOptions
  auth: AuthOptions
}

/** The name of a built-in checker. */
export type CheckerName = keyof CheckerOptionsByName

/** Every built-in checker, by name. */
export const CHECKERS: { readonly [K in CheckerName]: Checker<CheckerOptionsByName[K]> } =
  Object.freeze({
    staleness,
    herd,
    delivery,
    convergence,
    sagas,
    errorBudget,
    auth,
  })

/** A check a scenario asks for: a checker's name, or its name with options. */
export type CheckSpec =
  | CheckerName
  | {
      [K in CheckerName]: { readonly name: K; readonly options?: Partial<CheckerOptionsByName[K]> }
    }[CheckerName]

/** The names of the built-in checkers. */
export function checkerNames(): CheckerName[] {
  return Object.keys(CHECKERS) as CheckerName[]
}

/** True when `name` is a built-in checker's name. */
export function isCheckerName(name: string): name is CheckerName {
  return Object.hasOwn(CHECKERS, name)
}

/**
 * The checker called `name`.
 * @throws CheckerError `E_CLI_UNKNOWN_CHECKER`, listing the valid names.
 */
export function getChecker(name: string): Checker<CheckerOptionsByName[CheckerName]> {
  if (isCheckerName(name)) return CHECKERS[name]
  const valid = checkerNames()
  throw new CheckerError(
    'E_CLI_UNKNOWN_CHECKER',
    `Unknown checker \`${name}\`; valid checkers: ${valid.join(', ')}.`,
    { context: { checker: name, valid } },
  )
}

/** A check ready to run: its checker and its resolved options. */
export interface PreparedCheck {
  readonly checker: Checker<unknown>
  readonly options: unknown
}

/**
 * Resolves a scenario's checks before anything runs: an unknown name or a bad option throws
 * {@link CheckerError} here, not after the load.
 */
export function prepareChecks(
  specs: readonly (CheckSpec | { name: string; options?: unknown })[],
): PreparedCheck[] {
  return specs.map((spec) => {
    const { name, options } = typeof spec === 'string' ? { name: spec, options: undefined } : spec
    const checker = getChecker(name) as Checker<unknown>
    return { checker, options: checker.resolveOptions(options) }
  })
}

/**
 * Runs several checks over one history, read once (pass `readHistory(path)` to stream a file),
 * then hands each the snapshot. A checker that throws yields `unknown` with the error in its
 * summary, never a pass, and the other checks carry on. Results are in the order of `specs`.
 */
export async function runChecks(
  specs: readonly (CheckSpec | PreparedCheck)[],
  history: HistorySource,
  snapshot: SystemSnapshot,
): Promise<CheckResult[]> {
  const prepared = specs.map((spec) =>
    typeof spec === 'object' && 'checker' in spec ? spec : prepareChecks([spec])[0]!,
  )
  const passes = prepared.map((check) => new GuardedPass(check))
  await feedPasses(passes, history)
  return passes.map((pass) => pass.finish(snapshot))
}

/** A pass that turns its checker's exception into an `unknown` result. */
class GuardedPass implements CheckerPass {
  private pass: CheckerPass | undefined
  private failure: unknown

  constructor(private readonly check: PreparedCheck) {
    try {
      this.pass = check.checker.begin(check.options)
    } catch (error) {
      this.failure = error
    }
  }

  observe(event: Parameters<CheckerPass['observe']>[0]): void {
    if (this.pass === undefined) return
    try {
      this.pass.observe(event)
    } catch (error) {
      this.failure = error
      this.pass = undefined
    }
  }

  finish(snapshot: SystemSnapshot): CheckResult {
    try {
      if (this.pass !== undefined) return this.pass.finish(snapshot)
    } catch (error) {
      this.failure = error
    }
    const { name, guarantees } = this.check.checker
    const reason = this.failure instanceof Error ? this.failure.message : String(this.failure)
    return {
      name,
      guarantees,
      verdict: 'unknown',
      summary: `the checker failed: ${reason}`,
      counterexamples: [],
      stats: {},
    }
  }
}
