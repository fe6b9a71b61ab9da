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

/** Sends `signal` to one process (a negative pid: a process group); false when it is gone. */
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

/**
 * SIGKILLs a server's process group and the leader's children, and returns the children.
 * Postgres backends call setsid(), so they are not in the group; a busy one would outlive the
 * postmaster until its query ends. The group is stopped first so that the leader cannot fork a
 * child after the children are listed.
 */
export function killTree(leader: number): number[] {
  signalPid(-leader, 'SIGSTOP')
  const children = childPids(leader)
  signalPid(-leader, 'SIGKILL')
  for (const child of children) signalPid(child, 'SIGKILL')
  return children
}
