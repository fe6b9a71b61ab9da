import { arch, cpus, platform, release, totalmem } from 'node:os'

/** The machine a run ran on, for the report and for comparing runs fairly. */
export interface MachineInfo {
  readonly cpuModel: string
  readonly cores: number
  readonly memoryBytes: number
  /** E.g. `linux 6.1.0 x64`. */
  readonly os: string
  readonly node: string
}

/** Describes this machine. */
export function describeMachine(): MachineInfo {
  const cpu = cpus()
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryBytes: totalmem(),
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
  }
}
