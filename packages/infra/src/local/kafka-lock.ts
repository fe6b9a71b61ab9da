import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { InfraError } from '../errors.js'

/** Options for {@link withDirLock}. */
export interface DirLockOptions {
  /** Give up waiting for another holder after this long. */
  readonly timeoutMs: number
  /** @default 250 */
  readonly pollMs?: number
  /** A lock without an owner file older than this is a crash between mkdir and write. @default 30000 */
  readonly orphanMs?: number
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM means it exists but belongs to someone else: still a live holder.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function isStale(lockDir: string, orphanMs: number): boolean {
  try {
    const pid = Number(readFileSync(join(lockDir, 'owner'), 'utf8'))
    return Number.isInteger(pid) && pid > 0 && !isAlive(pid)
  } catch {
    try {
      return Date.now() - statSync(lockDir).mtimeMs > orphanMs
    } catch {
      return false // Released while we looked; the next mkdir will tell.
    }
  }
}

function tryAcquire(lockDir: string): boolean {
  try {
    mkdirSync(lockDir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
  writeFileSync(join(lockDir, 'owner'), String(process.pid))
  return true
}

/**
 * Runs `fn` while holding an exclusive lock across processes on one machine: `mkdir` is atomic,
 * so two test workers resolving the same cache never interleave. A lock left by a process that
 * died (SIGKILL, a crashed CI job) is broken instead of waited on forever.
 */
export async function withDirLock<T>(
  lockDir: string,
  fn: () => Promise<T>,
  options: DirLockOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs
  while (!tryAcquire(lockDir)) {
    if (isStale(lockDir, options.orphanMs ?? 30_000)) {
      rmSync(lockDir, { recursive: true, force: true })
      continue
    }
    if (Date.now() > deadline) {
      throw new InfraError(
        'E_INFRA_STARTUP_TIMEOUT',
        `Timed out after ${options.timeoutMs} ms waiting for the lock ${lockDir}; remove it if no other process holds it.`,
        { context: { service: 'kafka', lockDir } },
      )
    }
    await sleep(options.pollMs ?? 250)
  }
  try {
    return await fn()
  } finally {
    rmSync(lockDir, { recursive: true, force: true })
  }
}
