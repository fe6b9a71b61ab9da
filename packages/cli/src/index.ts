export { VERSION } from './version.js'
export { defineScenario } from '@faultline/scenarios'
export type { Scenario, ScenarioInput } from '@faultline/scenarios'
export { runScenario, prepareRun, startRun } from './core/run.js'
export type { PreparedRun, RunOptions } from './core/run.js'
export { providerOf } from './core/target.js'
export type {
  HttpRequestSpec,
  Invocation,
  OperationOutcome,
  PerformContext,
  QuiescenceReport,
  Revert,
  Target,
  TargetContext,
  TargetDescription,
  TargetProvider,
} from './core/target.js'
export type { ScheduledFault } from './core/schedule.js'
export { createEmbeddedTarget, EMBEDDED_DESCRIPTION } from './targets/embedded/index.js'
export type { EmbeddedTargetOptions } from './targets/embedded/index.js'
export { chooseTarget, INFRA_MODES, parseInfra } from './targets/choose-target.js'
export type { ChosenTarget, InfraMode } from './targets/choose-target.js'
export type { SeededRandom } from './core/random.js'
export { createCheckerRegistry, builtInCheckers } from './core/checkers.js'
export type { CheckerEntry, CheckerFn, CheckerMetric, CheckerRegistry } from './core/checkers.js'
export { createHttpClient } from './core/load/http-client.js'
export type { HttpClient, HttpClientOptions, HttpResponse } from './core/load/http-client.js'
export type { TopologyStateFile, StateDatabaseName } from './targets/topology/state-file.js'
export { CliError } from './core/errors.js'
export type { CliErrorCode, CliErrorContext } from './core/errors.js'
export { EVENTS_SCHEMA } from './core/events.js'
export type { RunEvent, RunPhase } from './core/events.js'
export { SUMMARY_SCHEMA } from './core/summary-types.js'
export type { RunSummary, RunStatus } from './core/summary-types.js'
export type { MetricDeclaration, MetricType } from './core/metrics/types.js'
export { renderSummary } from './ui/summary-text.js'
export { emptyDashboard, reduceDashboard, SPARK_WINDOW } from './core/dashboard-model.js'
export type {
  CheckView,
  DashboardModel,
  FaultState,
  FaultView,
  ThresholdView,
  WorkloadView,
} from './core/dashboard-model.js'
export { LIVE_METRICS, liveValue, type LiveMetricKey } from './core/live-metrics.js'
export type { MachineInfo } from './core/machine.js'
export { writeReport } from './report/write-report.js'
export {
  compareRuns,
  type ChangeVerdict,
  type Comparison,
  type CompareOptions,
  type MetricComparison,
} from './compare/compare.js'
export { readSide, parseTolerance } from './compare/load-side.js'
export { mannWhitneyU, type MannWhitneyResult } from './compare/mann-whitney.js'
export { welchTTest, type WelchResult } from './compare/welch.js'
export { renderComparison } from './ui/compare-text.js'
export { renderJunit } from './ui/junit.js'
export {
  auth,
  CHECKERS,
  checkAuth,
  checkConvergence,
  checkDelivery,
  checkErrorBudget,
  CheckerError,
  checkerNames,
  checkHerd,
  checkSagas,
  checkStaleness,
  convergence,
  delivery,
  errorBudget,
  feedPasses,
  getChecker,
  herd,
  isCheckerName,
  prepareChecks,
  runChecker,
  runChecks,
  sagas,
  staleness,
} from './checkers/index.js'
export type {
  AppliedEvent,
  AuthOptions,
  BusinessSnapshot,
  CacheSnapshot,
  ChargeRow,
  Checker,
  CheckerErrorCode,
  CheckerName,
  CheckerOptionsByName,
  CheckerPass,
  CheckFunction,
  CheckResult,
  Checksum,
  CheckSpec,
  CommonOptions,
  ConsumerApplied,
  ConvergenceOptions,
  Counterexample,
  DeliveryOptions,
  ErrorBudgetOptions,
  HerdOptions,
  HistorySource,
  OrderRow,
  OutboxEventRow,
  PreparedCheck,
  ProcessSnapshot,
  QuiescenceOptions,
  ReadModelSnapshot,
  SagaSnapshot,
  SagasOptions,
  SagaState,
  SagaStepSnapshot,
  SnapshotPart,
  StalenessOptions,
  StepCompletion,
  StepStatus,
  StockRow,
  StreamSnapshot,
  SystemSnapshot,
  TopicMessage,
  Verdict,
} from './checkers/index.js'
export { HistoryError, parseHistory, readHistory } from './history/read.js'
export type { HistoryErrorCode, HistoryErrorContext, ReadHistoryOptions } from './history/read.js'
export { toHistoryEvent, type ParsedEvent } from './history/parse-event.js'
export type {
  CompletionEvent,
  FaultEvent,
  HistoryEvent,
  InvokeEvent,
  MarkEvent,
  OperationName,
} from './history/events.js'
