import { parseDuration } from './duration.js'
import type {
  ResolveOptions,
  ResolvedCheck,
  ResolvedFaultSpec,
  ResolvedScenario,
  ResolvedWorkload,
} from './resolved.js'
import { resolveFault } from './resolve-fault.js'
import { scaleRates, scaleTimes } from './resolve-scale.js'
import type { CheckSpec, Scenario, Workload } from './types.js'

const DEFAULT_TIMEOUT = '10s'
const DEFAULT_QUIESCE = '30s'

/**
 * Resolves a validated scenario for a run: applies the smoke variant, then `durationMs` (every
 * stage, closed duration and fault time scaled by one factor, so the schedule keeps its shape)
 * and `rate` (every open rate scaled so the peak is `rate`/s), and turns durations into ms.
 */
export function resolveScenario(
  scenario: Scenario,
  options: ResolveOptions = {},
): ResolvedScenario {
  const smoke = options.smoke === true ? scenario.smoke : undefined
  const load = smoke?.load ?? scenario.load
  const faultSpecs = smoke?.faults ?? scenario.faults ?? []
  let workloads = load.map(resolveWorkload)
  let faults = faultSpecs.flatMap(resolveFault)
  const durationMs =
    options.durationMs ??
    (smoke?.duration === undefined ? undefined : parseDuration(smoke.duration))
  const rate = options.rate ?? smoke?.rate
  if (durationMs !== undefined) ({ workloads, faults } = scaleTimes(workloads, faults, durationMs))
  if (rate !== undefined) workloads = scaleRates(workloads, rate)
  return {
    name: scenario.name,
    description: scenario.description,
    guarantees: scenario.guarantees,
    topology: scenario.topology ?? {},
    workloads,
    faults: faults satisfies ResolvedFaultSpec[],
    checks: (smoke?.checks ?? scenario.checks ?? []).map(resolveCheck),
    thresholds: smoke?.thresholds ?? scenario.thresholds ?? {},
    quiesceMs: parseDuration(scenario.quiesce ?? DEFAULT_QUIESCE),
    loadDurationMs: Math.max(0, ...workloads.map((w) => w.durationMs)),
    overrides: options,
  }
}

function resolveWorkload(workload: Workload): ResolvedWorkload {
  const timeoutMs = parseDuration(workload.timeout ?? DEFAULT_TIMEOUT)
  const operations = workload.operations.map((entry) => ({
    op: entry.op,
    weight: entry.weight ?? 1,
    ...('run' in entry && entry.run !== undefined
      ? {
          user: { run: entry.run, ...(entry.invoke === undefined ? {} : { invoke: entry.invoke }) },
        }
      : {}),
  }))
  if (workload.model === 'closed') {
    const durationMs = parseDuration(workload.duration)
    return {
      name: workload.name,
      model: 'closed',
      connections: workload.connections,
      pipelining: workload.pipelining ?? 1,
      timeoutMs,
      durationMs,
      operations,
    }
  }
  const stages = workload.stages.map((stage) => ({
    target: stage.target,
    durationMs: parseDuration(stage.duration),
  }))
  return {
    name: workload.name,
    model: 'open',
    startRate: workload.startRate ?? 0,
    timeUnitMs: parseDuration(workload.timeUnit ?? '1s'),
    stages,
    preAllocated: workload.preAllocated ?? Math.min(workload.maxInFlight, 10),
    maxInFlight: workload.maxInFlight,
    maxBacklog: workload.maxBacklog ?? workload.maxInFlight * 10,
    timeoutMs,
    durationMs: stages.reduce((sum, stage) => sum + stage.durationMs, 0),
    operations,
  }
}

function resolveCheck(check: CheckSpec): ResolvedCheck {
  return typeof check === 'string'
    ? { name: check, options: {} }
    : { name: check.name, options: check.options ?? {} }
}
