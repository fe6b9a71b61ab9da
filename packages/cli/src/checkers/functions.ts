import type { HistoryEvent } from '../history/events.js'
import { auth, type AuthOptions } from './auth.js'
import { runChecker } from './checker.js'
import { convergence, type ConvergenceOptions } from './convergence.js'
import { delivery, type DeliveryOptions } from './delivery.js'
import { errorBudget, type ErrorBudgetOptions } from './error-budget.js'
import { herd, type HerdOptions } from './herd.js'
import { sagas, type SagasOptions } from './sagas.js'
import type { SystemSnapshot } from './snapshot.js'
import { staleness, type StalenessOptions } from './staleness.js'
import type { CheckResult } from './verdict.js'

/** A checker as a plain function: `(history, snapshot, options) => CheckResult`. */
export type CheckFunction<O> = (
  history: Iterable<HistoryEvent>,
  snapshot?: SystemSnapshot,
  options?: Partial<O>,
) => CheckResult

/** {@link staleness} as a function (C1, C2, C3). */
export const checkStaleness: CheckFunction<StalenessOptions> = (h, s, o) =>
  runChecker(staleness, h, s, o)
/** {@link herd} as a function (C4). */
export const checkHerd: CheckFunction<HerdOptions> = (h, s, o) => runChecker(herd, h, s, o)
/** {@link delivery} as a function (S1, S2). */
export const checkDelivery: CheckFunction<DeliveryOptions> = (h, s, o) =>
  runChecker(delivery, h, s, o)
/** {@link convergence} as a function (S3). */
export const checkConvergence: CheckFunction<ConvergenceOptions> = (h, s, o) =>
  runChecker(convergence, h, s, o)
/** {@link sagas} as a function (G1, G2, G3). */
export const checkSagas: CheckFunction<SagasOptions> = (h, s, o) => runChecker(sagas, h, s, o)
/** {@link errorBudget} as a function (R1). */
export const checkErrorBudget: CheckFunction<ErrorBudgetOptions> = (h, s, o) =>
  runChecker(errorBudget, h, s, o)
/** {@link auth} as a function (R2). */
export const checkAuth: CheckFunction<AuthOptions> = (h, s, o) => runChecker(auth, h, s, o)
