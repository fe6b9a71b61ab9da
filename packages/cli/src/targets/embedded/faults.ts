import { CliError } from '../../core/errors.js'
import type { ScheduledFault } from '../../core/schedule.js'
import type { Revert } from '../../core/target.js'
import type { Switch } from './switch.js'
import type { EmbeddedSystem } from './system.js'

/** Takes a part down; returns how to bring it back. */
type Outage = (system: EmbeddedSystem, kind: string) => Promise<Revert>

/**
 * Applies a process fault to the in-memory part it stands for. `kill` and `pause` hold the part
 * down until reverted (a killed catalog-query instance comes back with an empty cache, a paused
 * one with its own); `restart` takes it down and brings it back at once.
 */
export async function applyEmbeddedFault(
  system: EmbeddedSystem,
  fault: ScheduledFault,
): Promise<Revert> {
  const outage = outageFor(system, fault.target)
  if (fault.kind === 'restart') {
    const revert = await outage(system, 'kill')
    await revert()
    return () => Promise.resolve()
  }
  if (fault.kind !== 'kill' && fault.kind !== 'pause') {
    throw new CliError(
      'E_CLI_INVALID_OPTION',
      `The embedded target cannot apply '${fault.kind}'; it applies kill, pause and restart.`,
    )
  }
  return once(await outage(system, fault.kind))
}

function outageFor(system: EmbeddedSystem, target: string): Outage {
  switch (target) {
    case 'postgres':
      return () => held(system.catalog.databaseUp)
    case 'redis':
      return redisOutage
    case 'kafka':
      return kafkaOutage
    case 'relay-catalog#0':
      return relayOutage
    case 'orders#0':
      return () => held(system.orders.orchestratorUp)
    case 'inventory#0':
      return () => held(system.orders.inventoryUp)
    case 'payments#0':
      return () => held(system.orders.paymentsUp)
    case 'search#0':
      return searchOutage
    default:
      return instanceOutage(system, target)
  }
}

function held(part: Switch): Promise<Revert> {
  part.hold()
  return Promise.resolve(() => Promise.resolve(part.release()))
}

function redisOutage(system: EmbeddedSystem): Promise<Revert> {
  system.redis.down()
  return Promise.resolve(() => Promise.resolve(system.redis.restore()))
}

/** Kafka down: the relay cannot publish and no consumer receives anything. */
async function kafkaOutage(system: EmbeddedSystem): Promise<Revert> {
  system.kafkaUp.hold()
  system.catalog.relayUp.hold()
  await Promise.all(system.consumers().map((consumer) => consumer.stop()))
  return async () => {
    system.catalog.relayUp.release()
    system.kafkaUp.release()
    system.catalog.relay()
    await system.resumeConsumers()
  }
}

async function relayOutage(system: EmbeddedSystem): Promise<Revert> {
  system.catalog.relayUp.hold()
  await system.catalog.settled()
  return () => {
    system.catalog.relayUp.release()
    system.catalog.relay()
    return Promise.resolve()
  }
}

/** The search service down: no queries, and its consumer stops (it catches up after). */
async function searchOutage(system: EmbeddedSystem): Promise<Revert> {
  system.search.up.hold()
  await system.search.consumer.stop()
  return async () => {
    system.search.up.release()
    await system.resumeConsumers()
  }
}

function instanceOutage(system: EmbeddedSystem, target: string): Outage {
  const instance = system.tier.instances.find((candidate) => candidate.name === target)
  if (instance === undefined) {
    throw new CliError(
      'E_CLI_INVALID_OPTION',
      `The embedded system has no '${target}'; it runs ${system.tier.instances.length} catalog-query instance(s) (topology.replicas).`,
    )
  }
  return async (_system, kind) => {
    instance.up.hold()
    await instance.consumer.stop()
    return async () => {
      if (kind === 'kill') await instance.restart()
      instance.up.release()
      if (instance.up.on) await system.resumeConsumers()
    }
  }
}

/** A revert that acts at most once, as the engine may call it after any outcome. */
function once(revert: Revert): Revert {
  let done: Promise<void> | undefined
  return () => (done ??= revert())
}
