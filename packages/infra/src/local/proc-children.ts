import { readdirSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

/** Fields of /proc/<pid>/stat after the command name: state, ppid, ... */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

/** The pids whose parent is `pid`, from /proc (empty where /proc cannot be read). */
export function childPids(pid: number): number[] {
  let names: string[]
  try {
    names = readdirSync('/proc')
  } catch {
    return []
  }
  return names
    .filter((name) => /^\d+$/.test(name) && statFields(Number(name))?.[1] === String(pid))
    .map(Number)
}

/** Whether `pid` still runs: it exists and is not a zombie (a zombie holds no memory). */
export function isLive(pid: number): boolean {
  const state = statFields(pid)?.[0]
  return state !== undefined && state !== 'Z' && state !== 'X'
}

/** Sends `signal` to one process; false when it is already gone. */
export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal)
    return true
  } catch {
    return false
  }
}

/** Waits until none of `pids` runs, or `timeoutMs` passes. */
export async function waitGone(pids: readonly number[], timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (pids.some(isLive) && Date.now() < end) await sleep(5)
}
