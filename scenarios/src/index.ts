/** The package version, so callers can log what they run. */
export const VERSION = '0.0.0'

export { defineScenario } from './define.js'
export { validateScenario, SMOKE_MAX_MS } from './validate/scenario.js'
export { resolveScenario } from './resolve.js'
export { peakRatePerSecond } from './resolve-scale.js'
export { parseDuration, formatDuration } from './duration.js'
export type { Duration } from './duration.js'
export { ScenarioError } from './errors.js'
export type { ScenarioErrorCode, ScenarioErrorContext } from './errors.js'
export { scenarioLibrary, findScenario } from './library.js'
export { compare, parseThresholdCondition, parseThresholdKey } from './threshold-syntax.js'
export type {
  Aggregation,
  Comparison,
  ThresholdCondition,
  ThresholdKey,
} from './threshold-syntax.js'
export {
  BUILT_IN_OPERATIONS,
  CACHE_FAULT_KINDS,
  FAULT_KINDS,
  GUARANTEE_IDS,
  INFRA_PROCESSES,
  RELAY_PROCESSES,
  LINK_ENDS,
  LINK_FAULT_KINDS,
  PROCESS_FAULT_KINDS,
  SCALABLE_SERVICES,
  SERVICE_NAMES,
} from './names.js'
export type {
  BuiltInOperation,
  GuaranteeId,
  InfraProcess,
  LinkEnd,
  LinkName,
  ProcessTarget,
  RelayProcess,
  ScalableService,
  ServiceName,
} from './names.js'
export type {
  CheckSpec,
  ClosedWorkload,
  FaultCommon,
  FaultSpec,
  FaultTiming,
  HerdFault,
  LinkCommon,
  LinkFault,
  OpenWorkload,
  OperationMix,
  OperationResult,
  ProcessFault,
  ScaleFault,
  Scenario,
  ScenarioHttp,
  ScenarioInput,
  SmokeOverrides,
  Stage,
  Thresholds,
  TopologyRequirements,
  UserOperation,
  UserOperationContext,
  Workload,
} from './types.js'
export type {
  ResolveOptions,
  ResolvedCheck,
  ResolvedClosedWorkload,
  ResolvedFaultSpec,
  ResolvedOpenWorkload,
  ResolvedOperation,
  ResolvedScenario,
  ResolvedWorkload,
} from './resolved.js'
