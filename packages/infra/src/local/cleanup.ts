import { spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { killTree, signalPid } from './proc-children.js'

/**
 * A watchdog process that outlives us by a moment: it reads commands on stdin and, when stdin
 * closes (we exited, even by SIGKILL), kills every tracked process group with its leader's
 * children (Postgres backends leave the group: see `killTree`) and removes every tracked dir.
 * An `exit` hook does the same synchronously for an orderly exit.
 */
const REAPER_SOURCE = `
const { readdirSync, readFileSync, rmSync } = require('node:fs');
const groups = new Set(); const dirs = new Set(); let buffer = '';
const ppid = (n) => { try { const s = readFileSync('/proc/' + n + '/stat', 'utf8'); return s.slice(s.lastIndexOf(')') + 2).split(' ')[1]; } catch { return undefined; } };
const children = (pid) => { try { return readdirSync('/proc').filter((n) => /^\\d+$/.test(n) && ppid(n) === String(pid)).map(Number); } catch { return []; } };
const signal = (pid, sig) => { try { process.kill(pid, sig); } catch {} };
const killTree = (pid) => { signal(-pid, 'SIGSTOP'); const c = children(pid); signal(-pid, 'SIGKILL'); for (const k of c) signal(k, 'SIGKILL'); };
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk; let nl;
  while ((nl = buffer.indexOf('\\n')) >= 0) {
    const line = buffer.slice(0, nl); buffer = buffer.slice(nl + 1);
    const [op, ...rest] = line.split(' '); const arg = rest.join(' ');
    if (op === '+pid') groups.add(Number(arg)); if (op === '-pid') groups.delete(Number(arg));
    if (op === '+dir') dirs.add(arg); if (op === '-dir') dirs.delete(arg);
  }
});
process.stdin.on('end', () => {
  for (const pid of groups) killTree(pid);
  setTimeout(() => { for (const d of dirs) { try { rmSync(d, { recursive: true, force: true }); } catch {} } process.exit(0); }, 300);
});
`

const groups = new Set<number>()
const dirs = new Set<string>()
let reaper: ChildProcess | undefined
let hooked = false

function send(line: string): void {
  if (reaper === undefined) {
    reaper = spawn(process.execPath, ['-e', REAPER_SOURCE], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    })
    reaper.unref()
    reaper.stdin?.on('error', () => undefined)
    ;(reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.()
  }
  reaper.stdin?.write(`${line}\n`)
}

function cleanupNow(): void {
  for (const pid of groups) killTree(pid)
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  groups.clear()
  dirs.clear()
}

function hookExit(): void {
  if (hooked) return
  hooked = true
  process.once('exit', cleanupNow)
}

/** Sends `signal` to a whole process group; a group that is already gone is not an error. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  return signalPid(-pid, signal)
}

/** Kills this process group when this process exits, however it exits (even by SIGKILL). */
export function trackProcessGroup(pid: number): void {
  hookExit()
  groups.add(pid)
  send(`+pid ${pid}`)
}

/** Forgets a process group that has already stopped. */
export function untrackProcessGroup(pid: number): void {
  groups.delete(pid)
  send(`-pid ${pid}`)
}

/** Removes this directory when this process exits, however it exits (even by SIGKILL). */
export function trackDir(dir: string): void {
  hookExit()
  dirs.add(dir)
  send(`+dir ${dir}`)
}

/** How many process groups and dirs the watchdog holds now; tests check that this stays flat. */
export function trackedCounts(): { groups: number; dirs: number } {
  return { groups: groups.size, dirs: dirs.size }
}

/** Removes a tracked directory now and forgets it. */
export function removeTrackedDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  dirs.delete(dir)
  send(`-dir ${dir}`)
}
