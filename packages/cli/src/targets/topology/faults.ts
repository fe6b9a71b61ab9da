import type { ServiceHandle } from '@faultline/infra'
import type { TopologyHandle } from '@faultline/topology'
import { CliError, describeError } from '../../core/errors.js'
import type { ScheduledFault } from '../../core/schedule.js'
import type { Revert } from '../../core/target.js'
import type { TopologyAccess } from './access.js'
import { applyLinkFault } from './link-faults.js'

const NOTHING: Revert = () => Promise.resolve()

/** Runs `revert` once, whatever happened to the fault; a failed revert is reported, not thrown twice. */
function once(revert: Revert, report: (problem: string) => void): Revert {
  let done: Promise<void> | undefined
  return () => (done ??= revert().catch((error: unknown) => report(describeError(error))))
}

function infraProcess(handle: TopologyHandle, name: string): ServiceHandle | undefined {
  const { postgres, redis, kafka } = handle.infra
  const byName: Record<string, ServiceHandle | undefined> = {
    postgres,
    'postgres-replica': postgres.replica,
    redis,
    kafka,
  }
  return byName[name]
}

async function infraFault(process: ServiceHandle, kind: string): Promise<Revert> {
  if (kind === 'kill') {
    await process.kill()
    return () => process.restart()
  }
  if (kind === 'pause') {
    await process.pause()
    return () => process.resume()
  }
  await process.restart()
  return NOTHING
}

async function serviceFault(handle: TopologyHandle, target: string, kind: string): Promise<Revert> {
  const [name = target, index = '0'] = target.split('#')
  const service = handle.service(name)
  // Instances are 1-based in the supervisor, 0-based in scenarios.
  const which = Number(index) + 1
  if (kind === 'kill') {
    // A crash: the supervisor's restart policy brings it back, as it would in production.
    await service.kill(which)
    return NOTHING
  }
  if (kind === 'pause') {
    service.pause(which)
    return () => Promise.resolve(service.resume(which))
  }
  await service.restart(which)
  return NOTHING
}

async function scaleFault(handle: TopologyHandle, fault: ScheduledFault): Promise<Revert> {
  const before = handle.service(fault.target).instances().length
  await handle.scale(fault.target, Number(fault.params.instances))
  return () => handle.scale(fault.target, before)
}

/** Pause by signal, for a topology attached through its state file (no supervisor here). */
function pidFault(pids: Readonly<Record<string, number>>, fault: ScheduledFault): Revert {
  const pid = pids[fault.target]
  if (pid === undefined || fault.kind !== 'pause')
    throw new CliError(
      'E_CLI_UNSUPPORTED',
      `An attached topology can only pause processes it has a pid for; '${fault.kind}' on '${fault.target}' needs a topology this run starts (drop --target <state file>).`,
    )
  process.kill(pid, 'SIGSTOP')
  return () => Promise.resolve(void process.kill(pid, 'SIGCONT'))
}

/**
 * Applies one scheduled fault and returns its revert (safe to call once after any outcome, and
 * again: later calls wait for the first). Kill of infra holds the server down until the revert
 * restarts it; kill of a service is a crash its restart policy answers.
 */
export async function applyTopologyFault(
  access: TopologyAccess,
  fault: ScheduledFault,
  report: (problem: string) => void,
): Promise<Revert> {
  const handle = access.handle
  if (handle === undefined) return once(pidFault(access.pids ?? {}, fault), report)
  if (fault.kind === 'scale') return once(await scaleFault(handle, fault), report)
  if (fault.target.startsWith('link:'))
    return once(await applyLinkFault(handle.link(fault.target.slice(5)), fault), report)
  const infra = infraProcess(handle, fault.target)
  const revert =
    infra === undefined
      ? await serviceFault(handle, fault.target, fault.kind)
      : await infraFault(infra, fault.kind)
  return once(revert, report)
}
