/**
 * What a soak test reads from inside a running component: sizes of the collections that must stay
 * bounded however long it runs. Components register a reader when they are created; only
 * `@faultline/saga-kit/testing` hands it out.
 */
export interface OrchestratorProbe {
  /** Timers the orchestrator holds so it can cancel them on close (at most one per loop). */
  readonly pendingTimers: number
}

const orchestratorProbes = new WeakMap<object, () => OrchestratorProbe>()

/** Registers how to read `orchestrator`'s probe (called by the orchestrator itself). */
export function registerOrchestratorProbe(
  orchestrator: object,
  read: () => OrchestratorProbe,
): void {
  orchestratorProbes.set(orchestrator, read)
}

/** The current probe of an orchestrator made by `createOrchestrator`. */
export function probeOrchestrator(orchestrator: object): OrchestratorProbe {
  const read = orchestratorProbes.get(orchestrator)
  if (read === undefined)
    throw new TypeError('probeOrchestrator(): not an orchestrator of saga-kit')
  return read()
}
