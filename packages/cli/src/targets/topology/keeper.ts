import type { TopologyHandle } from '@faultline/topology'

/**
 * Takes the topology a run started instead of stopping it at the end of the run
 * (`faultline run --keep-up`), so the command can keep it up afterwards.
 */
export class TopologyKeeper {
  #handle: TopologyHandle | undefined

  /** Keeps `handle`; one kept before it (an earlier `--repeat` run's) is stopped. */
  async keep(handle: TopologyHandle): Promise<void> {
    const previous = this.#handle
    this.#handle = handle
    if (previous !== undefined && previous !== handle) await previous.stop()
  }

  /** The topology kept, if a run started one; taking it leaves the keeper empty. */
  take(): TopologyHandle | undefined {
    const handle = this.#handle
    this.#handle = undefined
    return handle
  }
}
