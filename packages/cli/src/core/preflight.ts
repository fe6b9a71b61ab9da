import type { ResolvedScenario } from '@faultline/scenarios'
import type { CheckerRegistry } from './checkers.js'
import { CliError } from './errors.js'
import { ENGINE_METRICS } from './metrics/catalog.js'
import { MetricsRegistry } from './metrics/registry.js'
import type { ScheduledFault } from './schedule.js'
import type { TargetDescription } from './target.js'
import { compileThresholds, type CompiledThreshold } from './thresholds.js'

/** What the checks before a run produce. */
export interface Preflight {
  readonly metrics: MetricsRegistry
  readonly thresholds: readonly CompiledThreshold[]
}

/**
 * Everything that can be refused before anything starts: operations, fault kinds and fault
 * targets the target cannot handle, unknown checkers, and thresholds on unknown metrics, tags or
 * aggregations. Throws one error listing each problem with the valid choices.
 */
export function preflight(
  scenario: ResolvedScenario,
  schedule: readonly ScheduledFault[],
  target: TargetDescription,
  checkers: CheckerRegistry,
): Preflight {
  const problems = [
    ...operationProblems(scenario, target),
    ...faultProblems(schedule, target),
    ...checkerProblems(scenario, checkers),
  ]
  if (problems.length > 0) {
    throw new CliError(
      problems[0]?.startsWith('checks') === true && problems.length === 1
        ? 'E_CLI_UNKNOWN_CHECKER'
        : 'E_CLI_UNSUPPORTED',
      `Scenario '${scenario.name}' cannot run against target '${target.name}':\n  - ${problems.join('\n  - ')}`,
      { context: { problems } },
    )
  }
  const metrics = declareMetrics(scenario, target, checkers)
  const thresholds = compileThresholds(scenario.thresholds, metrics, {
    workload: scenario.workloads.map((w) => w.name),
    op: [...new Set(scenario.workloads.flatMap((w) => w.operations.map((o) => o.op)))],
    check: scenario.checks.map((c) => c.name),
  })
  return { metrics, thresholds }
}

function operationProblems(scenario: ResolvedScenario, target: TargetDescription): string[] {
  const problems: string[] = []
  for (const workload of scenario.workloads) {
    const supported =
      workload.model === 'closed' ? (target.httpOperations ?? []) : target.operations
    for (const operation of workload.operations) {
      if (operation.user !== undefined || supported.includes(operation.op)) continue
      const model = workload.model === 'closed' ? ' in a closed workload' : ''
      problems.push(
        `workload '${workload.name}': target '${target.name}' cannot perform '${operation.op}'${model}; it performs: ${supported.join(', ') || 'none'}`,
      )
    }
  }
  return problems
}

function faultProblems(schedule: readonly ScheduledFault[], target: TargetDescription): string[] {
  const problems: string[] = []
  for (const fault of schedule) {
    const where = `faults[${fault.source.index}]`
    if (!target.faultKinds.includes(fault.kind)) {
      problems.push(
        `${where}: target '${target.name}' cannot apply '${fault.kind}'; it applies: ${target.faultKinds.join(', ') || 'none'}`,
      )
      continue
    }
    // A herd names a product, which the target resolves when it applies it.
    if (fault.kind === 'herd') continue
    const choices = fault.target.startsWith('link:')
      ? target.links.map((l) => `link:${l}`)
      : target.processes
    if (!choices.includes(fault.target)) {
      problems.push(
        `${where}: target '${target.name}' has no '${fault.target}'; use one of: ${choices.join(', ') || 'none'}`,
      )
    }
  }
  return problems
}

function checkerProblems(scenario: ResolvedScenario, checkers: CheckerRegistry): string[] {
  const names = [...checkers.keys()]
  const problems: string[] = []
  for (const check of scenario.checks) {
    const checker = checkers.get(check.name)
    if (checker === undefined) {
      problems.push(
        `checks: no checker '${check.name}'; ${names.length === 0 ? 'no checkers are registered' : `use one of: ${names.join(', ')}`}`,
      )
      continue
    }
    try {
      checker.validateOptions?.(check.options)
    } catch (error) {
      problems.push(
        `checks: ${check.name}: ${error instanceof Error ? error.message : String(error)}`,
      )
    }
  }
  return problems
}

function declareMetrics(
  scenario: ResolvedScenario,
  target: TargetDescription,
  checkers: CheckerRegistry,
): MetricsRegistry {
  const metrics = new MetricsRegistry()
  for (const declaration of ENGINE_METRICS) metrics.declare(declaration, 'engine')
  for (const declaration of target.metrics) metrics.declare(declaration, `target ${target.name}`)
  const used = new Set(scenario.checks.map((c) => c.name))
  const unused: string[] = []
  for (const checker of checkers.values()) {
    for (const metric of checker.metrics ?? []) {
      if (used.has(checker.name)) {
        metrics.declare(
          { name: metric.name, type: 'counter', unit: 'count', description: metric.description },
          `checker:${checker.name}`,
        )
      } else unused.push(`${metric.name} (from checker '${checker.name}')`)
    }
  }
  const missing = Object.keys(scenario.thresholds)
    .map((key) => key.split('{')[0] as string)
    .filter((name) => metrics.declaration(name) === undefined)
    .map((name) => unused.find((entry) => entry.startsWith(`${name} `)))
    .filter((entry): entry is string => entry !== undefined)
  if (missing.length > 0) {
    throw new CliError(
      'E_CLI_UNKNOWN_METRIC',
      `Thresholds use metrics whose checker this scenario does not run: ${missing.join(', ')}; add the checker to checks.`,
    )
  }
  return metrics
}
