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
export type { SeededRandom } from './core/random.js'
export { createCheckerRegistry, builtInCheckers } from './core/checkers.js'
export type { CheckerEntry, CheckerFn, CheckerMetric, CheckerRegistry } from './core/checkers.js'
export { createHttpClient } from './core/load/http-client.js'
export type { HttpClient, HttpClientOptions } from './core/load/http-client.js'
export { CliError } from './core/errors.js'
export type { CliErrorCode, CliErrorContext } from './core/errors.js'
export { EVENTS_SCHEMA } from './core/events.js'
export type { RunEvent, RunPhase } from './core/events.js'
export { SUMMARY_SCHEMA } from './core/summary-types.js'
export type { RunSummary, RunStatus } from './core/summary-types.js'
export type { MetricDeclaration, MetricType } from './core/metrics/types.js'
export type { CheckResult, Counterexample, Verdict } from './checkers/verdict.js'
export type { HistoryEvent, OperationName } from './history/events.js'
export { renderSummary } from './ui/summary-text.js'
export { renderJunit } from './ui/junit.js'
