import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

/** A tmux server of our own (its own socket), so no one else's sessions are touched. */
export class Tmux {
  readonly socket = `faultline-test-${process.pid}-${Date.now()}`

  /** Runs a tmux command on our socket; returns its stdout. */
  run(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], {
      encoding: 'utf8',
    })
  }

  /**
   * Starts `command` in a detached `width`x`height` session whose pane stays after the command
   * exits (so its exit status and last screen can be read).
   */
  start(session: string, command: string, cwd: string, width = 80, height = 24): void {
    this.run(
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      String(width),
      '-y',
      String(height),
      '-c',
      cwd,
      command,
      ';',
      'set-option',
      '-w',
      '-t',
      session,
      'remain-on-exit',
      'on',
    )
  }

  /**
   * The pane's screen as text (`escapes`: with its colors as SGR codes; `scrollback`: every line
   * since the start, not only the visible screen).
   */
  capture(session: string, escapes = false, scrollback = false): string {
    const flags = [...(escapes ? ['-e'] : []), ...(scrollback ? ['-S', '-'] : [])]
    return this.run('capture-pane', '-p', ...flags, '-t', session)
  }

  /** A pane format variable, e.g. `pane_pid`, `pane_dead`, `pane_dead_status`. */
  pane(session: string, variable: string): string {
    return this.run('display-message', '-p', '-t', session, `#{${variable}}`).trim()
  }

  /** Stops our tmux server (and whatever still runs in it). */
  stop(): void {
    try {
      this.run('kill-server')
    } catch {
      // Already gone: nothing of ours is left.
    }
  }
}

/** Whether tmux is installed. */
export function tmuxMissing(): string | undefined {
  try {
    execFileSync('tmux', ['-V'])
    return undefined
  } catch {
    return 'tmux is missing: install it (scripts/setup.sh does) to run the terminal test'
  }
}

/**
 * Polls `probe` until it returns a value, at most `timeoutMs`; fails naming `what` and, when
 * `lastSeen` is given, showing what it returned last (the screen), so a failure can be diagnosed.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined,
  timeoutMs: number,
  lastSeen?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: Error | undefined
  while (Date.now() < deadline) {
    try {
      const value = probe()
      if (value !== undefined) return value
    } catch (error) {
      last = error instanceof Error ? error : new Error(String(error))
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  const seen = lastSeen === undefined ? '' : `\nlast seen:\n${lastSeen()}`
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : `: ${last.message}`}${seen}`,
  )
}

/** Live processes whose process group or session is `id` (a pane's leader and its children). */
export function processesOf(id: number): number[] {
  const out: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // Fields after the command (in parentheses): state ppid pgrp session ...
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (fields[0] === 'Z') continue
      if (Number(fields[2]) === id || Number(fields[3]) === id) out.push(Number(entry))
    } catch {
      // The process ended while we looked.
    }
  }
  return out
}
