export type { Checker, CheckerPass, HistorySource } from './checker.js'
export { feedPasses, runChecker } from './checker.js'
export { CheckerError, type CheckerErrorCode, type CheckerErrorContext } from './errors.js'
export {
  checkAuth,
  checkConvergence,
  checkDelivery,
  checkErrorBudget,
  checkHerd,
  checkSagas,
  checkStaleness,
  type CheckFunction,
} from './functions.js'
export { auth, type AuthOptions } from './auth.js'
export { convergence, type ConvergenceOptions } from './convergence.js'
export { delivery, type DeliveryOptions } from './delivery.js'
export { errorBudget, type ErrorBudgetOptions } from './error-budget.js'
export { herd, type HerdOptions } from './herd.js'
export { sagas, type SagasOptions } from './sagas.js'
export { staleness, type StalenessOptions } from './staleness.js'
export type { CommonOptions, OptionSpec } from './options.js'
export type { QuiescenceOptions } from './quiescence.js'
export {
  CHECKERS,
  checkerNames,
  getChecker,
  isCheckerName,
  prepareChecks,
  runChecks,
  type CheckerName,
  type CheckerOptionsByName,
  type CheckSpec,
  type PreparedCheck,
} from './registry.js'
export type {
  AppliedEvent,
  BusinessSnapshot,
  ChargeRow,
  Checksum,
  CacheSnapshot,
  ConsumerApplied,
  OrderRow,
  OutboxEventRow,
  ProcessSnapshot,
  ReadModelSnapshot,
  SagaSnapshot,
  SagaState,
  SagaStepSnapshot,
  SnapshotPart,
  StepCompletion,
  StepStatus,
  StockRow,
  StreamSnapshot,
  SystemSnapshot,
  TopicMessage,
} from './snapshot.js'
export type { CheckResult, Counterexample, Verdict } from './verdict.js'
