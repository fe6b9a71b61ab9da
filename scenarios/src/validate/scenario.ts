import { formatDuration } from '../duration.js'
import { ScenarioError } from '../errors.js'
import { GUARANTEE_IDS } from '../names.js'
import type { Scenario, ScenarioInput } from '../types.js'
import type { FaultLimits } from './fault.js'
import { checkChecks, checkFaults, checkLoad, checkThresholds, checkTopology } from './parts.js'
import { Problems } from './problems.js'

const FIELDS = [
  'kind',
  'name',
  'description',
  'guarantees',
  'topology',
  'load',
  'faults',
  'checks',
  'thresholds',
  'smoke',
  'quiesce',
]
const SMOKE_FIELDS = ['duration', 'rate', 'load', 'faults', 'checks', 'thresholds']
/** A smoke variant must fit a CI gate: at most this much load. */
export const SMOKE_MAX_MS = 60_000

/**
 * Validates a scenario definition (typed or not, e.g. a user's file) and returns it branded.
 * Throws one `E_SCENARIO_INVALID` listing every problem, each naming the field and the fix.
 */
export function validateScenario(input: unknown): Scenario {
  const problems = new Problems()
  const name = checkHead(problems, input)
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const scenario = input as ScenarioInput
    const limits = checkTopology(problems, 'topology', scenario.topology)
    const loadMs = checkLoad(problems, 'load', scenario.load)
    checkFaults(problems, 'faults', scenario.faults, loadMs, limits)
    checkChecks(problems, 'checks', scenario.checks)
    checkThresholds(problems, 'thresholds', scenario.thresholds)
    if (scenario.quiesce !== undefined) problems.duration('quiesce', scenario.quiesce)
    checkSmoke(problems, scenario, loadMs, limits)
  }
  if (problems.list.length > 0) {
    const label = name === undefined ? 'The scenario' : `Scenario '${name}'`
    throw new ScenarioError(
      'E_SCENARIO_INVALID',
      `${label} is invalid:\n  - ${problems.list.join('\n  - ')}`,
      {
        context: { ...(name === undefined ? {} : { scenario: name }), problems: problems.list },
      },
    )
  }
  return Object.freeze({ ...(input as ScenarioInput), kind: 'faultline.scenario' })
}

function checkHead(problems: Problems, input: unknown): string | undefined {
  if (
    !problems.object(
      'scenario',
      input,
      'pass defineScenario({ name, description, guarantees, load, ... })',
    )
  ) {
    return undefined
  }
  problems.unknownKeys('scenario', input, FIELDS)
  const name = input.name
  if (
    problems.string('name', name, "name it, e.g. 'catalog-read-storm'") &&
    !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)
  ) {
    problems.add(
      'name',
      `'${name}' must be lower-case words joined by hyphens, e.g. 'catalog-read-storm'`,
    )
  }
  problems.string('description', input.description, 'say in a sentence what the scenario proves')
  if (
    problems.array(
      'guarantees',
      input.guarantees,
      "list the DESIGN.md ids it covers, e.g. ['C1', 'C2']",
    )
  ) {
    input.guarantees.forEach((id, index) =>
      problems.oneOf(`guarantees[${index}]`, id, GUARANTEE_IDS, 'guarantee id'),
    )
  }
  return typeof name === 'string' ? name : undefined
}

function checkSmoke(
  problems: Problems,
  scenario: ScenarioInput,
  loadMs: number | undefined,
  limits: FaultLimits,
): void {
  const smoke: unknown = scenario.smoke
  if (smoke === undefined) {
    if (loadMs !== undefined && loadMs > SMOKE_MAX_MS) {
      problems.add(
        'smoke',
        `is missing and the load lasts ${formatDuration(loadMs)}; add smoke: { duration: '30s' } so --smoke fits in 60s`,
      )
    }
    return
  }
  if (!problems.object('smoke', smoke, "write e.g. { duration: '30s', rate: 50 }")) return
  problems.unknownKeys('smoke', smoke, SMOKE_FIELDS)
  if (smoke.rate !== undefined) problems.number('smoke.rate', smoke.rate, { min: 0.001 })
  const smokeLoadMs =
    smoke.load === undefined ? loadMs : checkLoad(problems, 'smoke.load', smoke.load)
  const overrideMs =
    smoke.duration === undefined ? undefined : problems.duration('smoke.duration', smoke.duration)
  const effectiveMs = overrideMs ?? smokeLoadMs
  if (smoke.faults !== undefined)
    checkFaults(problems, 'smoke.faults', smoke.faults, smokeLoadMs, limits)
  checkChecks(problems, 'smoke.checks', smoke.checks)
  checkThresholds(problems, 'smoke.thresholds', smoke.thresholds)
  if (effectiveMs !== undefined && effectiveMs > SMOKE_MAX_MS) {
    problems.add(
      'smoke',
      `its load lasts ${formatDuration(effectiveMs)}; a smoke variant must fit in 60s (set smoke.duration)`,
    )
  }
}
