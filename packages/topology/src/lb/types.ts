/** One instance behind the balancer. */
export interface Backend {
  /** The instance id, e.g. `catalog-query-2`. */
  readonly id: string
  /** Its base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
}

/** Which load balancer runs. */
export type LbProviderName = 'nginx' | 'node'

/** N instances behind one entry point. */
export interface LoadBalancer {
  /** The provider in use. */
  readonly provider: LbProviderName
  /** The entry point clients call. */
  readonly url: string
  /** The backends in rotation now. */
  backends(): readonly Backend[]
  /**
   * Replaces the backends. Resolves once no new request goes to a removed backend and the
   * requests it was serving through the balancer have finished, so the caller may then stop it.
   * Calls are applied one at a time, in order.
   */
  setBackends(backends: readonly Backend[]): Promise<void>
  /** Stops taking requests, lets in-flight ones finish (bounded), and stops the balancer. */
  stop(): Promise<void>
}
