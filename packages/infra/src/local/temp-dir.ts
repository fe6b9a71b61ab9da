import { chownSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { removeTrackedDir, trackDir } from './cleanup.js'

/** A fresh temp dir for one server, removed when the test process exits; chowned if asked. */
export function makeServerDir(service: string, owner?: { uid: number; gid: number }): string {
  const dir = mkdtempSync(join(tmpdir(), `faultline-${service}-`))
  trackDir(dir)
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid)
  return dir
}

/**
 * Runs `start` with a fresh server dir ({@link makeServerDir}) and removes the dir if it fails:
 * a start that fails (a missing library, a bad config) must not leave a dir on disk and an entry
 * in the exit watchdog per call, or a long-running caller that retries would pile them up.
 * `start` must not leave a process running in the dir when it throws.
 */
export async function withServerDir<T>(
  service: string,
  start: (dir: string) => Promise<T>,
  owner?: { uid: number; gid: number },
): Promise<T> {
  const dir = makeServerDir(service, owner)
  try {
    return await start(dir)
  } catch (error) {
    removeTrackedDir(dir)
    throw error
  }
}
