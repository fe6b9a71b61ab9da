import type { Scenario } from './types.js'

/**
 * The scenario library, in the order `faultline list` shows it. Each scenario lives in its own file
 * under `src/library/` and is added here; the list is empty until the topology they drive exists.
 */
export const scenarioLibrary: readonly Scenario[] = []

/** The library scenario called `name`, or undefined. */
export function findScenario(
  name: string,
  library: readonly Scenario[] = scenarioLibrary,
): Scenario | undefined {
  return library.find((scenario) => scenario.name === name)
}
