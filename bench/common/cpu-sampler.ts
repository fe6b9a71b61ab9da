/**
 * CPU time of other processes (Postgres backends, the Kafka JVM), read from /proc/<pid>/stat.
 * Processes come and go (a pool closes idle connections), so the sampler polls: a process seen
 * first during the window counts all of its CPU, one that exits counts up to its last sample.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

const TICK_MS = 10 // CLK_TCK is 100 on Linux

/** utime + stime of a process in ms, or undefined once it is gone. */
function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS
  } catch {
    return undefined
  }
}

/** The pids whose parent is `ppid`. */
export function childrenOf(ppid: number): number[] {
  const out: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid)
        out.push(Number(name))
    } catch {
      // gone meanwhile
    }
  }
  return out
}

/** `list()`, called again only once `everyMs` have passed (a /proc scan costs ~7 ms of CPU). */
export function refreshedEvery(list: () => number[], everyMs: number): () => number[] {
  let at = -Infinity
  let last: number[] = []
  return () => {
    if (performance.now() - at >= everyMs) {
      last = list()
      at = performance.now()
    }
    return last
  }
}

/** The pid listening on TCP `port` (via `ss`), or undefined. */
export function listenerPid(port: number): number | undefined {
  const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`]).toString()
  const m = /pid=(\d+)/.exec(out)
  return m === null ? undefined : Number(m[1])
}

/** Polls the CPU time of the processes `pids()` names; `stop()` returns the ms used since start. */
export function sampleCpu(pids: () => number[], everyMs = 1_000): { stop(): number } {
  const first = new Map<number, number>()
  const last = new Map<number, number>()
  let started = false
  const poll = (): void => {
    for (const pid of pids()) {
      const ms = cpuMs(pid)
      if (ms === undefined) continue
      if (!first.has(pid)) first.set(pid, started ? 0 : ms)
      last.set(pid, ms)
    }
    started = true
  }
  poll()
  const timer = setInterval(poll, everyMs)
  return {
    stop() {
      poll()
      clearInterval(timer)
      let total = 0
      for (const [pid, ms] of last) total += ms - (first.get(pid) ?? 0)
      return total
    },
  }
}

/** CPU ms used by this Node process (and `extraNode` processes), Postgres and the Kafka broker. */
export type StackCpu = { node: number; pg: number; kafka: number }

/**
 * Samples the CPU of the whole stack from now: this process (all its threads), the processes
 * `extraNode()` names, every process of the Postgres server listening on `pgPort` and the broker
 * JVM on `kafkaPort`. The function returned stops and reports ms used.
 */
export function sampleStackCpu(
  pgPort: number,
  kafkaPort: number,
  extraNode: () => number[] = () => [],
  /**
   * How often the list of Postgres processes is read again. A window of a few seconds needs 0:
   * a walsender or backend started during it must be found before it exits.
   */
  pgListEveryMs = 5_000,
): () => StackCpu {
  const postmaster = listenerPid(pgPort)
  const jvm = listenerPid(kafkaPort)
  const own = process.cpuUsage()
  const others = sampleCpu(extraNode)
  const pg = sampleCpu(
    refreshedEvery(() => (postmaster === undefined ? [] : childrenOf(postmaster)), pgListEveryMs),
    pgListEveryMs === 0 ? 250 : 1_000,
  )
  const kafka = sampleCpu(() => (jvm === undefined ? [] : [jvm]))
  return () => {
    const used = process.cpuUsage(own)
    return {
      node: (used.user + used.system) / 1000 + others.stop(),
      pg: pg.stop(),
      kafka: kafka.stop(),
    }
  }
}
