import { TopologyError } from '../errors.js'
import type { ServiceDefinition } from '../supervisor/types.js'

/** The wanted services plus every service they depend on, transitively. */
export function withDependencies(
  all: readonly ServiceDefinition[],
  wanted: readonly string[] | undefined,
): ServiceDefinition[] {
  if (wanted === undefined) return [...all]
  const byName = new Map(all.map((definition) => [definition.name, definition]))
  const chosen = new Set<string>()
  const visit = (name: string): void => {
    const definition = byName.get(name)
    if (definition === undefined)
      throw new TopologyError(
        'E_TOPOLOGY_UNKNOWN_SERVICE',
        `startTopology(): no service "${name}"; the services are ${[...byName.keys()].join(', ')}`,
        { context: { service: name } },
      )
    if (chosen.has(name)) return
    chosen.add(name)
    for (const dependency of definition.dependsOn ?? []) visit(dependency)
  }
  wanted.forEach(visit)
  return all.filter((definition) => chosen.has(definition.name))
}
