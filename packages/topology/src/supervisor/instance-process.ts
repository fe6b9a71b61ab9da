import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { signalGroup, trackProcessGroup, untrackProcessGroup } from '@faultline/infra'
import type { LaunchCommand } from './launch.js'

/** How a process ended. */
export interface ProcessExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** What to start: the command, its environment, and the file its output goes to. */
export interface ProcessSpec extends LaunchCommand {
  readonly env: NodeJS.ProcessEnv
  readonly logFile: string
  readonly cwd?: string
}

function isListening(message: unknown): message is { event: 'listening'; url: string } {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { event?: unknown }).event === 'listening' &&
    typeof (message as { url?: unknown }).url === 'string'
  )
}

/**
 * One service process in its own process group, with stdout and stderr appended to a log file
 * and an IPC channel on which it reports its URL. The exit watchdog of `@faultline/infra` tracks
 * the group, so it dies with us even when we are SIGKILLed; the service also shuts itself down
 * when the channel closes.
 */
export class InstanceProcess {
  readonly pid: number
  /** Resolves when the process has exited. */
  readonly exited: Promise<ProcessExit>
  private exit: ProcessExit | undefined
  private url: string | undefined

  private constructor(private readonly child: ChildProcess) {
    if (child.pid === undefined) throw new Error('spawn returned no pid')
    this.pid = child.pid
    trackProcessGroup(this.pid)
    child.on('message', (message) => {
      if (isListening(message)) this.url = message.url
    })
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal }
        untrackProcessGroup(this.pid)
        resolve(this.exit)
      })
    })
    child.unref()
    child.channel?.unref()
  }

  /** Starts the process. It is not listening yet: see {@link waitListening}. */
  static spawn(spec: ProcessSpec): InstanceProcess {
    const fd = openSync(spec.logFile, 'a')
    try {
      const child = spawn(spec.command, [...spec.args], {
        stdio: ['ignore', fd, fd, 'ipc'],
        detached: true,
        env: spec.env,
        cwd: spec.cwd,
      })
      return new InstanceProcess(child)
    } finally {
      closeSync(fd)
    }
  }

  /** Whether the process has not exited yet (it may be stopped by SIGSTOP). */
  get alive(): boolean {
    return this.exit === undefined
  }

  /** How it exited, once it has. */
  get exitStatus(): ProcessExit | undefined {
    return this.exit
  }

  /** The URL it reported, or undefined before it listens or if it exits first. */
  async waitListening(timeoutMs: number): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs
    while (this.url === undefined && this.alive && Date.now() < deadline) await pause(20)
    return this.url
  }

  /** Sends `signal` to the whole group; false when it is already gone. */
  signal(signal: NodeJS.Signals): boolean {
    return this.alive && signalGroup(this.pid, signal)
  }

  /** SIGKILLs the group and waits until the process has exited. */
  async kill(): Promise<ProcessExit> {
    this.signal('SIGKILL')
    return this.exited
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
