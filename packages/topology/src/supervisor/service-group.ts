import type { Dispatcher } from 'undici'
import { TopologyError } from '../errors.js'
import type { ResolvedRestartPolicy } from './restart-policy.js'
import { ServiceInstance } from './service-instance.js'
import type { ServiceDefinition, SupervisorEvent } from './types.js'

/** What a group needs from the supervisor. */
export interface GroupContext {
  readonly runDir: string
  readonly policy: ResolvedRestartPolicy
  readonly dispatcher: Dispatcher
  readonly emit: (event: SupervisorEvent) => void
}

/**
 * The instances of one service, and the balancer in front of them when it has one: an instance
 * joins the balancer once `/readyz` answers 200 and leaves it before it is stopped.
 */
export class ServiceGroup {
  readonly name: string
  private readonly members: ServiceInstance[] = []
  private nextIndex = 1

  constructor(
    readonly definition: ServiceDefinition,
    private readonly context: GroupContext,
  ) {
    this.name = definition.name
  }

  /** The current instances, in the order they were added. */
  instances(): readonly ServiceInstance[] {
    return [...this.members]
  }

  /** One instance by id (`catalog-query-2`) or 1-based index. */
  instance(which: string | number): ServiceInstance {
    const found = this.members.find((m) => m.id === which || m.id === `${this.name}-${which}`)
    if (found === undefined)
      throw new TopologyError(
        'E_TOPOLOGY_UNKNOWN_SERVICE',
        `${this.name} has no instance ${String(which)}; it has ${this.members.map((m) => m.id).join(', ') || 'none'}`,
        { context: { service: this.name } },
      )
    return found
  }

  /** Starts the configured number of instances at once and waits until all are ready. */
  start(): Promise<void> {
    return this.scale(this.definition.instances ?? 1)
  }

  /**
   * Adds instances (each joins the balancer once ready) or removes the newest ones: out of the
   * balancer first, their in-flight requests finished, then SIGTERM. No request is dropped.
   */
  async scale(count: number): Promise<void> {
    if (!Number.isInteger(count) || count < 0)
      throw new TopologyError(
        'E_TOPOLOGY_INVALID_OPTION',
        `scale(${this.name}, ${count}): the count must be a non-negative integer`,
        { context: { service: this.name, option: 'count' } },
      )
    if (count > this.members.length) await this.grow(count - this.members.length)
    else if (count < this.members.length) await this.shrink(this.members.length - count)
  }

  private async grow(added: number): Promise<void> {
    const fresh = Array.from({ length: added }, () => this.create())
    this.members.push(...fresh)
    const started = await Promise.allSettled(fresh.map((i) => i.start().then(() => this.sync())))
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected')
    if (failed !== undefined) throw failed.reason
  }

  private async shrink(removed: number): Promise<void> {
    const leaving = this.members.slice(-removed)
    await Promise.all(leaving.map((i) => i.stop()))
    for (const instance of leaving) this.members.splice(this.members.indexOf(instance), 1)
  }

  private create(): ServiceInstance {
    const index = this.nextIndex++
    const info = {
      service: this.name,
      index,
      id: `${this.name}-${index}`,
      runDir: this.context.runDir,
    }
    return new ServiceInstance(info, {
      definition: this.definition,
      policy: this.context.policy,
      dispatcher: this.context.dispatcher,
      emit: this.context.emit,
      sync: () => this.sync(),
    })
  }

  /** Brings the balancer's backends in line with the instances in rotation. */
  async sync(): Promise<void> {
    const balancer = this.definition.balancer
    if (balancer === undefined) return
    const backends = this.members
      .filter((m) => m.inRotation)
      .map((m) => ({ id: m.id, url: m.url ?? '' }))
    await balancer.setBackends(backends)
  }

  /** Stops every instance (out of the balancer first). */
  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => m.stop()))
  }
}
