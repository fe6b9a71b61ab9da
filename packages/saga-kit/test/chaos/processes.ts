/**
 * Child processes of the chaos run (orchestrators, the relay): started from TypeScript source,
 * killed with SIGKILL, and all killed when the test file ends.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url))
const children = new Set<ChildProcess>()
/** Every line each child printed, so a wait for a line already printed ends at once. */
const printed = new WeakMap<ChildProcess, string[]>()

/** Runs `script` (a path next to this file) under tsx with `args`. */
export function spawnScript(script: string, args: string[]): ChildProcess {
  const path = fileURLToPath(new URL(script, import.meta.url))
  const child = spawn(
    process.execPath,
    ['--conditions=@faultline/source', '--import', 'tsx', path, ...args],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  children.add(child)
  child.on('exit', () => children.delete(child))
  const lines: string[] = []
  printed.set(child, lines)
  let partial = ''
  child.stdout?.on('data', (decision: Buffer) => {
    const parts = (partial + decision.toString()).split('\n')
    partial = parts.pop() ?? ''
    lines.push(...parts)
    child.emit('line')
  })
  child.stderr?.on('data', (decision: Buffer) => {
    if (process.env.SAGA_CHAOS_DEBUG) process.stderr.write(decision)
  })
  return child
}

/**
 * Resolves once `child` has printed `line`; rejects if it exits first (a start that crashed) or
 * has not printed it within `timeoutMs`, so a child that hangs fails the run with a reason.
 */
export function untilLine(child: ChildProcess, line: string, timeoutMs = 90_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error): void => {
      clearTimeout(timer)
      child.off('line', check)
      child.off('exit', onExit)
      if (error) reject(error)
      else resolve()
    }
    const check = (): void => {
      if (printed.get(child)?.includes(line)) done()
    }
    const onExit = (code: number | null): void =>
      done(new Error(`child exited (${code}) before printing "${line}"`))
    const timer = setTimeout(
      () => done(new Error(`child ${child.pid} did not print "${line}" within ${timeoutMs} ms`)),
      timeoutMs,
    )
    child.on('line', check)
    child.once('exit', onExit)
    check()
  })
}

/** SIGKILLs `child` and waits until it is gone. */
export async function sigkill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}

/** SIGKILLs every child still running. */
export async function killAll(): Promise<void> {
  await Promise.all([...children].map(sigkill))
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
