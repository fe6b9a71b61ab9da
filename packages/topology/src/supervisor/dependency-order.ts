import { TopologyError } from '../errors.js'

/** A service as far as start order goes. */
export interface Dependent {
  readonly name: string
  readonly dependsOn?: readonly string[]
}

/**
 * Groups services into waves: each wave depends only on earlier ones, so a wave starts at once
 * after the previous one is ready. An unknown dependency or a cycle fails with its names.
 */
export function startWaves(services: readonly Dependent[]): string[][] {
  const names = new Set(services.map((s) => s.name))
  for (const s of services)
    for (const dep of s.dependsOn ?? [])
      if (!names.has(dep))
        throw new TopologyError(
          'E_TOPOLOGY_UNKNOWN_SERVICE',
          `${s.name} depends on "${dep}", which is not among the services (${[...names].join(', ')})`,
          { context: { service: s.name } },
        )
  const waves: string[][] = []
  const started = new Set<string>()
  while (started.size < services.length) {
    const wave = services
      .filter((s) => !started.has(s.name) && (s.dependsOn ?? []).every((d) => started.has(d)))
      .map((s) => s.name)
    if (wave.length === 0) {
      const left = services.filter((s) => !started.has(s.name)).map((s) => s.name)
      throw new TopologyError(
        'E_TOPOLOGY_DEPENDENCY_CYCLE',
        `services depend on each other in a cycle: ${left.join(', ')}`,
        { context: { services: left } },
      )
    }
    for (const name of wave) started.add(name)
    waves.push(wave)
  }
  return waves
}
