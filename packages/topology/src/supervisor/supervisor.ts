import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { trackDir } from '@faultline/infra'
import type { Dispatcher } from 'undici'
import { TopologyError } from '../errors.js'
import { startWaves } from './dependency-order.js'
import { probeDispatcher } from './ready-probe.js'
import { resolveRestartPolicy } from './restart-policy.js'
import { ServiceGroup } from './service-group.js'
import type { ServiceDefinition, SupervisorEvent } from './types.js'

/** Options of {@link createSupervisor}. */
export interface SupervisorOptions {
  readonly services: readonly ServiceDefinition[]
  /**
   * Where logs go (`<runDir>/logs/<instance>.log`). Without one, a fresh temp dir that is
   * removed when this process exits.
   */
  readonly runDir?: string
  /** Called for every lifecycle event (started, ready, exited, restarting, failed, drained). */
  readonly onEvent?: (event: SupervisorEvent) => void
}

/** Runs the services' instances as child processes. */
export interface Supervisor {
  readonly runDir: string
  /** Starts every service in dependency order; each wave waits until the last is ready. */
  start(): Promise<void>
  /** One service's instances. */
  service(name: string): ServiceGroup
  /** Every service, in start order. */
  services(): readonly ServiceGroup[]
  /** Adds instances or drains the newest ones without dropping a request. */
  scale(name: string, count: number): Promise<void>
  /** Stops every service in reverse start order. */
  stop(): Promise<void>
}

function makeRunDir(given: string | undefined): string {
  const runDir = given ?? mkdtempSync(join(tmpdir(), 'faultline-topology-'))
  if (given === undefined) trackDir(runDir)
  mkdirSync(join(runDir, 'logs'), { recursive: true })
  return runDir
}

/**
 * Creates a supervisor for `services`. Every instance runs in its own process group that the
 * `@faultline/infra` exit watchdog kills if this process dies, even by SIGKILL.
 */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  const waves = startWaves(options.services)
  const runDir = makeRunDir(options.runDir)
  const emit = options.onEvent ?? (() => undefined)
  const groups = new Map<string, ServiceGroup>()
  const dispatchers: Dispatcher[] = []
  for (const definition of options.services) {
    if (groups.has(definition.name))
      throw new TopologyError(
        'E_TOPOLOGY_INVALID_OPTION',
        `service "${definition.name}" is defined twice`,
      )
    const policy = resolveRestartPolicy(definition.name, definition.restartPolicy)
    const dispatcher = probeDispatcher(definition.probeTls)
    dispatchers.push(dispatcher)
    groups.set(definition.name, new ServiceGroup(definition, { runDir, policy, dispatcher, emit }))
  }
  const group = (name: string): ServiceGroup => {
    const found = groups.get(name)
    if (found !== undefined) return found
    throw new TopologyError(
      'E_TOPOLOGY_UNKNOWN_SERVICE',
      `no service "${name}"; the services are ${[...groups.keys()].join(', ')}`,
      { context: { service: name } },
    )
  }
  const ordered = waves.flat().map(group)
  return {
    runDir,
    service: group,
    services: () => ordered,
    scale: (name, count) => group(name).scale(count),
    async start() {
      for (const wave of waves) await Promise.all(wave.map((name) => group(name).start()))
    },
    async stop() {
      for (const wave of [...waves].reverse())
        await Promise.all(wave.map((name) => group(name).stop()))
      await Promise.all(dispatchers.map((d) => d.close()))
    },
  }
}
