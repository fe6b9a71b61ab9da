import { spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { InfraError, isInfraError } from '../errors.js'
import { signalGroup, trackProcessGroup, untrackProcessGroup } from './cleanup.js'
import { tailFile } from './log-tail.js'
import { childPids, killTree, signalPid, waitGone } from './proc-children.js'

/** What to run, as whom, and where its output goes. */
export interface ServerSpec {
  readonly service: string
  readonly command: string
  readonly args: readonly string[]
  readonly logFile: string
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
  readonly uid?: number
  readonly gid?: number
}

/** Options for {@link ServerProcess.waitUntilReady}. */
export interface ReadyOptions {
  readonly timeoutMs: number
  readonly port?: number
  readonly intervalMs?: number
}

/**
 * One server process in its own process group, so that kill/pause/resume reach its children too
 * (Postgres backends, the JVM's threads). Output goes to a log file whose tail is in every error.
 */
export class ServerProcess {
  private pid: number | undefined
  private exit: Promise<number | null> = Promise.resolve(null)
  private exited = true
  /** Children stopped by {@link pause}, to continue on {@link resume}. */
  private paused: number[] = []

  constructor(readonly spec: ServerSpec) {}

  /** Whether the process is alive (it may be paused). */
  get running(): boolean {
    return !this.exited
  }

  /** Spawns the server; it is not ready yet, see {@link waitUntilReady}. */
  start(): void {
    const fd = openSync(this.spec.logFile, 'a')
    try {
      const child = spawn(this.spec.command, [...this.spec.args], {
        stdio: ['ignore', fd, fd],
        detached: true,
        env: this.spec.env ?? process.env,
        cwd: this.spec.cwd,
        uid: this.spec.uid,
        gid: this.spec.gid,
      })
      child.unref()
      this.exited = false
      this.exit = new Promise((resolve) => {
        child.once('error', () => resolve(this.markExited(-1)))
        child.once('exit', (code) => resolve(this.markExited(code)))
      })
      if (child.pid !== undefined) {
        this.pid = child.pid
        trackProcessGroup(child.pid)
      }
    } finally {
      closeSync(fd)
    }
  }

  private markExited(code: number | null): number | null {
    this.exited = true
    if (this.pid !== undefined) untrackProcessGroup(this.pid)
    return code
  }

  /**
   * Polls `isReady` until it answers true; fails fast with the log tail if the process exits. A
   * probe that throws an {@link InfraError} reports a failure the server will not recover from
   * (a Kafka Connect task that went FAILED): the process is killed and the error rethrown with
   * the log tail. Any other probe error counts as "not ready yet".
   */
  async waitUntilReady(isReady: () => Promise<boolean>, options: ReadyOptions): Promise<void> {
    const deadline = Date.now() + options.timeoutMs
    while (Date.now() < deadline) {
      if (this.exited) throw await this.startupError('E_INFRA_STARTUP_FAILED', options.port)
      if (await this.probe(isReady)) return
      await sleep(options.intervalMs ?? 100)
    }
    await this.kill()
    throw await this.startupError('E_INFRA_STARTUP_TIMEOUT', options.port)
  }

  private async probe(isReady: () => Promise<boolean>): Promise<boolean> {
    try {
      return await isReady()
    } catch (error) {
      if (!isInfraError(error)) return false
      await this.kill()
      const logTail = await this.logs(30)
      throw new InfraError(error.code, `${error.message}\nLast lines of its log:\n${logTail}`, {
        context: { ...error.context, logTail },
        cause: error,
      })
    }
  }

  private async startupError(
    code: 'E_INFRA_STARTUP_FAILED' | 'E_INFRA_STARTUP_TIMEOUT',
    port: number | undefined,
  ): Promise<InfraError> {
    const logTail = await this.logs(30)
    const portInUse = /address already in use|could not bind|BindException/i.test(logTail)
    const what =
      code === 'E_INFRA_STARTUP_FAILED' ? 'exited during startup' : 'did not become ready in time'
    return new InfraError(
      portInUse ? 'E_INFRA_PORT_IN_USE' : code,
      `${this.spec.service} ${what}${port === undefined ? '' : ` on port ${port}`}. Last lines of its log:\n${logTail}`,
      { context: { service: this.spec.service, port, logTail }, retryable: portInUse },
    )
  }

  /** Sends SIGTERM (or `signal`) to the group and waits; escalates to SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
    if (this.exited || this.pid === undefined) return
    signalGroup(this.pid, 'SIGCONT')
    signalGroup(this.pid, signal)
    // The grace timer is cancelled once the server exits, or it would hold the event loop open.
    const grace = new AbortController()
    const timer = sleep(graceMs, true, { signal: grace.signal }).catch(() => false)
    const timedOut = await Promise.race([this.exit.then(() => false), timer])
    grace.abort()
    if (timedOut) await this.kill()
  }

  /**
   * SIGKILLs the whole group and the leader's children ({@link killTree}), and waits until all
   * are gone: a Postgres backend left running holds the shared memory, and a restart meanwhile
   * fails with "pre-existing shared memory block ... is still in use".
   */
  async kill(): Promise<void> {
    if (this.exited || this.pid === undefined) return
    const children = killTree(this.pid)
    // The child is unref'd, so without a ref'd handle node could exit before the reap.
    const hold = setInterval(() => undefined, 60_000)
    try {
      await this.exit
      await waitGone(children, 10_000)
    } finally {
      clearInterval(hold)
    }
  }

  /**
   * SIGSTOPs the whole group, then the leader's children: Postgres backends are outside the
   * group (setsid), and left running they would go on answering the connections they already
   * have. The leader stops first, so it forks no child after the list is taken.
   */
  pause(): void {
    if (this.pid === undefined || this.exited) return
    signalGroup(this.pid, 'SIGSTOP')
    this.paused = childPids(this.pid)
    for (const child of this.paused) signalPid(child, 'SIGSTOP')
  }

  /** SIGCONTs what {@link pause} stopped: the children, then the group. */
  resume(): void {
    for (const child of this.paused) signalPid(child, 'SIGCONT')
    this.paused = []
    if (this.pid !== undefined && !this.exited) signalGroup(this.pid, 'SIGCONT')
  }

  /** Tail of the server's log. */
  logs(lines = 30): Promise<string> {
    return tailFile(this.spec.logFile, lines)
  }
}

/**
 * Runs `attempt` with fresh ports until one binds: a port chosen free can be taken before the
 * server binds it, and that race deserves a retry rather than a failed test.
 */
export async function withPortRetry<T>(attempt: () => Promise<T>, tries = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt()
    } catch (error) {
      const retry = error instanceof InfraError && error.code === 'E_INFRA_PORT_IN_USE'
      if (!retry || i >= tries) throw error
    }
  }
}
